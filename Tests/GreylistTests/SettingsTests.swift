import Greylist
import GreylistAdmin
import Testing

@Suite struct SettingsTests {
    @Test(arguments: [
        ("300", 300), ("0", 0), ("45s", 45), ("5m", 300), ("2h", 7200), ("1d", 86_400), ("36d", 3_110_400),
    ] as [(String, Seconds)])
    func durations(_ text: String, _ seconds: Seconds) {
        #expect(Settings.parseDuration(text) == seconds)
    }

    @Test(arguments: ["", "s", "-5", "+5", "5x", "1.5h", "5 m", "99999999999", "4000d", "５"])
    func badDurations(_ text: String) {
        #expect(Settings.parseDuration(text) == nil)
    }

    @Test func defaults() {
        let settings = Settings()
        #expect(settings.directory == "/var/qmail/cqgreylist")
        #expect(settings.whitelist == "/var/qmail/control/cqgreylist.cdb")
        #expect(settings.policy == Policy(delay: 300, window: 86_400, lifetime: 3_110_400))
        #expect((settings.ipv4Prefix, settings.ipv6Prefix, settings.timeout) == (32, 64, 60))
        #expect(settings.hostname == nil && !settings.logOnly && !settings.failClosed && settings.problems.isEmpty)
    }

    @Test func environmentWinsOverOptions() {
        let settings = Settings(options: [.init(.delay, "10m"), .init(.window, "2d"), .init(.ipv4Prefix, "24")],
                                environment: ["CQGREYLIST_DELAY": "1m", "CQGREYLIST_DIR": "/tmp/x"])
        #expect(settings.policy.delay == 60)
        #expect(settings.policy.window == 172_800)
        #expect(settings.ipv4Prefix == 24)
        #expect(settings.directory == "/tmp/x")
    }

    @Test(arguments: [
        ("", true), ("1", true), ("yes", true), ("on", true), ("true", true), ("YES", true), ("On", true), ("TRUE", true),
        ("0", false), ("no", false), ("off", false), ("false", false), ("NO", false), ("Off", false), ("False", false),
    ] as [(String, Bool)])
    func switchValuesMeanWhatTheySay(_ value: String, _ on: Bool) {
        let settings = Settings(environment: Environment(["CQGREYLIST_LOGONLY": value, "CQGREYLIST_FAILCLOSED": value]))
        #expect(settings.logOnly == on && settings.failClosed == on && settings.problems.isEmpty)
    }

    @Test(arguments: ["2", "y", "enabled", " yes", "yes ", "0n", "none", "-1"])
    func aBadSwitchValueIsReportedAndOff(_ value: String) {
        let settings = Settings(options: [.init(.logOnly, ""), .init(.failClosed, "")],
                                environment: Environment(["CQGREYLIST_LOGONLY": value, "CQGREYLIST_FAILCLOSED": value]))
        #expect(!settings.logOnly && !settings.failClosed)
        #expect(settings.problems == ["LOGONLY", "FAILCLOSED"].map {
            "bad CQGREYLIST_\($0) value \(LogLine.quoted(value)): not a switch: 1, yes, on, true or empty for on; 0, no, off or false for off, using the default"
        })
    }

    @Test func aSwitchOptionIsOnAndItsVariableWins() {
        #expect(Settings(options: [.init(.logOnly, "")]).logOnly)
        #expect(Settings(options: [.init(.failClosed, "")]).failClosed)
        #expect(!Settings(options: [.init(.failClosed, "")], environment: ["CQGREYLIST_FAILCLOSED": "0"]).failClosed)
    }

    @Test(arguments: ["redis.local:6379", "/run/redis.sock,", "/run/redis.sock ", "", "127.0.0.1:6379,,127.0.0.2:6379",
                      Array(repeating: "127.0.0.1:6379", count: 10).joined(separator: ",")])
    func aRedisListThatCannotBeUsedIsAStoreFaultNotTheStateDirectory(_ value: String) {
        let settings = Settings(options: [.init(.redis, "/run/redis.sock")], environment: Environment(["CQGREYLIST_REDIS": value]))
        #expect(settings.usesRedis && settings.redisServers.isEmpty && settings.problems.isEmpty)
        #expect(settings.redisProblem?.hasPrefix("bad CQGREYLIST_REDIS value \(LogLine.quoted(value)): ") == true)
        #expect(Settings(options: [.init(.redis, value)]).redisProblem?.hasPrefix("bad --redis value ") == true)
    }

    @Test func theStateDirectoryIsUsedOnlyWhenNoRedisListIsGiven() {
        #expect(!Settings().usesRedis)
        let redis = Settings(environment: ["CQGREYLIST_REDIS": "/run/redis.sock,127.0.0.1:6379"])
        #expect(redis.usesRedis && redis.redisServers.count == 2 && redis.redisProblem == nil)
    }

    @Test(arguments: [
        ("CQGREYLIST_DELAY", "5x"), ("CQGREYLIST_DIR", "relative/dir"), ("CQGREYLIST_IPV4_PREFIX", "15"), ("CQGREYLIST_IPV4_PREFIX", "33"),
        ("CQGREYLIST_IPV6_PREFIX", "129"), ("CQGREYLIST_TIMEOUT", "0"), ("CQGREYLIST_MESSAGE", "bad\r\n250 ok"),
        ("CQGREYLIST_MESSAGE", String(repeating: "x", count: 201)), ("CQGREYLIST_HOSTNAME", "two words"),
    ])
    func aBadValueKeepsTheDefaultAndIsReported(_ variable: String, _ value: String) {
        let settings = Settings(environment: Environment([variable: value]))
        var expected = Settings()
        expected.hostname = nil
        #expect(settings.problems.count == 1)
        #expect(settings.problems.first?.hasPrefix("bad \(variable) value ") == true)
        #expect(settings.directory == expected.directory && settings.policy == expected.policy)
        #expect(settings.message == expected.message && settings.timeout == expected.timeout)
        #expect(settings.ipv4Prefix == 32 && settings.ipv6Prefix == 64 && settings.hostname == nil)
    }

    @Test func aBadOptionIsReportedByItsName() {
        #expect(Settings(options: [.init(.delay, "soon")]).problems == [#"bad --delay value "soon": not a duration like 300, 300s, 5m, 1h or 1d, using the default"#])
    }

    @Test func windowShorterThanDelayIsACorrectedMistake() {
        let settings = Settings(environment: ["CQGREYLIST_DELAY": "2d", "CQGREYLIST_WINDOW": "1h"])
        #expect(settings.policy.delay == 172_800 && settings.policy.window == 172_800)
        #expect(settings.problems.count == 1)
    }

    @Test func hostnameComesFromTheSettingThenTCPLOCALHOST() {
        #expect(Settings(environment: ["TCPLOCALHOST": "mx.example"]).hostname == "mx.example")
        #expect(Settings(options: [.init(.hostname, "a.example")], environment: ["TCPLOCALHOST": "mx.example"]).hostname == "a.example")
        #expect(Settings(environment: ["TCPLOCALHOST": "bad name"]).hostname == nil)
    }

    @Test func everySettingHasADistinctOptionAndVariable() {
        #expect(Set(Setting.allCases.map(\.option)).count == Setting.allCases.count)
        #expect(Setting.allCases.allSatisfy { Setting(option: $0.option) == $0 })
        var visited: [Setting] = []
        Setting.forEach { visited.append($0) }
        #expect(visited == Setting.allCases)
        #expect(Set(Setting.allCases.map(\.environmentVariable)).count == Setting.allCases.count)
        #expect(Setting.allCases.allSatisfy { $0.environmentVariable.hasPrefix("CQGREYLIST_") })
    }

    // The cleaner's settings: a bad value is an error, never a default.

    static let cleanerSettings: [Setting] = [.directory, .delay, .window, .lifetime]

    @Test(arguments: [
        ([SettingValue(.lifetime, "90days")], [:], #"bad --lifetime value "90days": not a duration like 300, 300s, 5m, 1h or 1d"#),
        ([SettingValue(.window, "soon")], [:], #"bad --window value "soon": not a duration like 300, 300s, 5m, 1h or 1d"#),
        ([SettingValue(.directory, "")], [:], #"bad --dir value "": not a path"#),
        ([], ["CQGREYLIST_LIFETIME": "90days"], #"bad CQGREYLIST_LIFETIME value "90days": not a duration like 300, 300s, 5m, 1h or 1d"#),
        ([], ["CQGREYLIST_DELAY": "5x"], #"bad CQGREYLIST_DELAY value "5x": not a duration like 300, 300s, 5m, 1h or 1d"#),
        ([], ["CQGREYLIST_WINDOW": "1 d"], #"bad CQGREYLIST_WINDOW value "1 d": not a duration like 300, 300s, 5m, 1h or 1d"#),
        ([], ["CQGREYLIST_DIR": ""], #"bad CQGREYLIST_DIR value "": not a path"#),
        ([SettingValue(.lifetime, "1d")], ["CQGREYLIST_LIFETIME": "forever"], #"bad CQGREYLIST_LIFETIME value "forever": not a duration like 300, 300s, 5m, 1h or 1d"#),
        ([SettingValue(.window, "1h")], ["CQGREYLIST_DELAY": "2d"],
         #"retry window 3600s (--window "1h") is shorter than the delay 172800s (CQGREYLIST_DELAY "2d")"#),
        ([], ["CQGREYLIST_DELAY": "2d"], #"retry window 86400s (default) is shorter than the delay 172800s (CQGREYLIST_DELAY "2d")"#),
    ] as [([SettingValue], [String: String], String)])
    func strictSettingsRefuseABadValue(_ options: [SettingValue], _ environment: [String: String], _ problem: String) {
        #expect(throws: SettingsError(problems: [problem])) {
            try Settings(strictly: Self.cleanerSettings, options: options, environment: Environment(environment))
        }
    }

    @Test func strictSettingsReportEveryBadValue() {
        #expect(throws: SettingsError(problems: [#"bad --dir value "": not a path"#, #"bad CQGREYLIST_WINDOW value "x": not a duration like 300, 300s, 5m, 1h or 1d"#])) {
            try Settings(strictly: Self.cleanerSettings, options: [.init(.directory, "")], environment: ["CQGREYLIST_WINDOW": "x"])
        }
    }

    @Test func strictSettingsTakeRelativePathsAndOnlyTheSettingsAsked() throws {
        let settings = try Settings(strictly: Self.cleanerSettings, options: [.init(.directory, "state"), .init(.lifetime, "90d")],
                                    environment: ["CQGREYLIST_TIMEOUT": "0", "CQGREYLIST_IPV4_PREFIX": "19", "CQGREYLIST_WINDOW": "2d"])
        #expect(settings.directory == "state")
        #expect(settings.policy == Policy(delay: 300, window: 172_800, lifetime: 90 * 86_400))
        #expect(settings.timeout == 60 && settings.ipv4Prefix == 32 && settings.problems.isEmpty)
    }

    @Test func theWrapperStillWantsAnAbsoluteDirectory() {
        #expect(Settings(options: [.init(.directory, "state")]).problems == [#"bad --dir value "state": not an absolute path, using the default"#])
        #expect(Settings(environment: ["CQGREYLIST_DIR": ""]).problems == [#"bad CQGREYLIST_DIR value "": not an absolute path, using the default"#])
    }
}
