import Greylist
import GreylistAdmin
import Testing

struct HeaderCase: CustomTestStringConvertible, Sendable {
    let name: String, slot: Int, position: Int, slots: Int, fileSize: Int, sound: Bool
    var testDescription: String { name }
}

@Suite struct CDBLayoutTests {
    static let cases: [HeaderCase] = [
        .init(name: "tables at the end of the file", slot: 7, position: 4096, slots: 0, fileSize: 4096, sound: true),
        .init(name: "a table ending at the end", slot: 7, position: 4000, slots: 12, fileSize: 4096, sound: true),
        .init(name: "a table one slot past the end", slot: 7, position: 4000, slots: 13, fileSize: 4096, sound: false),
        .init(name: "a table inside the header", slot: 0, position: 2047, slots: 0, fileSize: 4096, sound: false),
        .init(name: "a table past the end", slot: 255, position: 4097, slots: 0, fileSize: 4096, sound: false),
        .init(name: "a slot count of 2^32 - 1", slot: 3, position: 4096, slots: 0xffff_ffff, fileSize: 4096, sound: false),
    ]

    @Test(arguments: cases)
    func headerTablesMustLieInsideTheFile(_ row: HeaderCase) {
        var header: [UInt8] = []
        for slot in 0..<256 {
            let (position, slots) = slot == row.slot ? (row.position, row.slots) : (4096, 0)
            for word in [position, slots] { header += (0..<4).map { UInt8(truncatingIfNeeded: word >> (8 * $0)) } }
        }
        #expect(CDBLayout.isSoundHeader(header, fileSize: row.fileSize) == row.sound)
    }

    @Test(arguments: [(2048, 10, 2058, 1000, true), (2048, 11, 2058, 1000, false), (2048, 1001, 10_000, 1000, false),
                      (2048, 4_294_967_295, 10_000, 1000, false), (10_001, 0, 10_000, 1000, false)])
    func aRecordMustLieInsideTheFileAndUnderTheLimit(_ position: Int, _ length: Int, _ fileSize: Int, _ maximum: Int, _ sound: Bool) {
        #expect(CDBLayout.isSoundRecord(position: position, length: length, fileSize: fileSize, maximum: maximum) == sound)
    }
}
