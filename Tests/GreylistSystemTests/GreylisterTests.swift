import Foundation
import Greylist
import GreylistAdmin
@testable import GreylistSystem
@testable import GreylistTools
import TestSupport
import Testing

@Suite struct GreylisterTests {
    func settings(_ directory: String, _ environment: [String: String] = [:]) -> Settings {
        Settings(options: [.init(.directory, directory)], environment: Environment(environment))
    }

    @Test func newEarlyRetriedKnown() throws {
        let temporary = try TemporaryDirectory()
        let greylister = Greylister(settings: settings(temporary.path))
        let environment: Environment = ["TCPREMOTEIP": "::ffff:192.0.2.7"]
        #expect(greylister.run(environment: environment, now: currentTime()).outcome == .refuse(.new))
        #expect(greylister.run(environment: environment, now: currentTime()).outcome == .refuse(.early))
        try age(temporary.path + "/192/192.0.2.7", by: 301)
        let retried = greylister.run(environment: environment, now: currentTime())
        #expect(retried.outcome == .pass(.retried) && retried.key?.name == "192.0.2.7")
        #expect(greylister.run(environment: environment, now: currentTime()).outcome == .pass(.known))
    }

    @Test func exemptAndUnidentifiedClientsLeaveNoRecord() throws {
        let temporary = try TemporaryDirectory()
        let greylister = Greylister(settings: settings(temporary.path))
        for environment in [["RELAYCLIENT": "", "TCPREMOTEIP": "192.0.2.7"], ["WHITELISTED": "", "TCPREMOTEIP": "192.0.2.7"],
                            ["TCPREMOTEIP": "../../etc/passwd"], ["TCPREMOTEIP": "fe80::1%lo"], [:]] {
            #expect(greylister.run(environment: Environment(environment), now: currentTime()).passes)
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: temporary.path).isEmpty)
    }

    @Test func storeFailuresFailOpenUnlessAskedToFailClosed() throws {
        let missing = "/nonexistent/cqgreylist"
        let open = Greylister(settings: settings(missing)).run(environment: ["TCPREMOTEIP": "192.0.2.7"], now: 0)
        #expect(open.outcome == .pass(.error("mkdir /nonexistent/cqgreylist/192: No such file or directory")))
        let closed = Greylister(settings: settings(missing, ["CQGREYLIST_FAILCLOSED": ""]))
            .run(environment: ["TCPREMOTEIP": "192.0.2.7"], now: 0)
        #expect(closed.outcome == .refuse(.error("mkdir /nonexistent/cqgreylist/192: No such file or directory")))
        #expect(!closed.passes)
    }

    @Test func logOnlyStillKeepsRecords() throws {
        let temporary = try TemporaryDirectory()
        let line = Greylister(settings: settings(temporary.path, ["CQGREYLIST_LOGONLY": ""]))
            .run(environment: ["TCPREMOTEIP": "2001:db8:1:2::99"], now: currentTime())
        #expect(line.passes && line.outcome == .refuse(.new))
        #expect(FileManager.default.fileExists(atPath: temporary.path + "/2001/2001:db8:1:2::"))
    }
}
