/// A duration in whole seconds.
public typealias Seconds = Int64

/// A point in time: whole seconds since the Unix epoch.
public typealias Timestamp = Int64

/// A duration in milliseconds.
public typealias Milliseconds = Int64
