import Foundation
import Testing

/// Replays the committed fuzzing corpus (every crash ever found included) through the fuzz targets' checks.
@Suite struct FuzzCorpusTests {
    static let corpus = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("FuzzCorpus")

    static func inputs(_ target: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: corpus.appendingPathComponent(target).path)) ?? []).sorted()
    }

    static func bytes(_ target: String, _ name: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: corpus.appendingPathComponent(target).appendingPathComponent(name)))
    }

    @Test(arguments: inputs("dialogue"))
    func dialogue(_ name: String) throws {
        #expect(FuzzChecks.dialogue(try Self.bytes("dialogue", name)) == nil)
    }

    @Test(arguments: inputs("address"))
    func address(_ name: String) throws {
        #expect(FuzzChecks.address(try Self.bytes("address", name)) == nil)
    }

    @Test(arguments: inputs("whitelist"))
    func whitelist(_ name: String) throws {
        #expect(FuzzChecks.whitelist(try Self.bytes("whitelist", name)) == nil)
    }

    @Test func everyTargetHasACorpus() {
        for target in ["dialogue", "address", "whitelist"] { #expect(Self.inputs(target).count >= 5, "\(target)") }
    }
}
