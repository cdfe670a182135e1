// libFuzzer entry point for the whitelist invariants (Tests/GreylistTests/FuzzChecks.swift). Built by tools/fuzz/run.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    if let problem = FuzzChecks.whitelist(Array(UnsafeBufferPointer(start: data, count: size))) { fatalError(problem) }
    return 0
}
