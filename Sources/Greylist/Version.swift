/// cqgreylist's version: what every program prints for `--version`, and the Debian package's (tools/package asks
/// the built programs for it).
public let cqgreylistVersion = "0.3.0"
