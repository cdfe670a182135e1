import Greylist
import GreylistAdmin
import Testing

@Suite struct RedisSettingsTests {
    @Test(arguments: [
        ("/run/redis/redis.sock", [RedisServer.socket(path: "/run/redis/redis.sock")]),
        ("192.0.2.7:6379", [.tcp(address: ClientAddress("192.0.2.7")!, port: 6379)]),
        ("[2001:db8::1]:6380", [.tcp(address: ClientAddress("2001:db8::1")!, port: 6380)]),
        ("10.0.0.1:6379,10.0.0.2:6379,/tmp/r.sock", [.tcp(address: ClientAddress("10.0.0.1")!, port: 6379),
                                                    .tcp(address: ClientAddress("10.0.0.2")!, port: 6379), .socket(path: "/tmp/r.sock")]),
    ] as [(String, [RedisServer])])
    func serverLists(_ text: String, _ servers: [RedisServer]) throws {
        #expect(try RedisServer.parseList(text).get() == servers)
        #expect(servers.map(\.description).joined(separator: ",") == text)
    }

    @Test(arguments: ["", "redis.example:6379", "192.0.2.7", "192.0.2.7:", "192.0.2.7:0", "192.0.2.7:65536", "2001:db8::1:6379",
                      "[192.0.2.7]:6379", "[2001:db8::1]", "relative.sock", "192.0.2.7:6379,", " 192.0.2.7:6379",
                      "/" + String(repeating: "x", count: 107), "1.1.1.1:1,1.1.1.1:2,1.1.1.1:3,1.1.1.1:4,1.1.1.1:5,1.1.1.1:6,1.1.1.1:7,1.1.1.1:8,1.1.1.1:9"])
    func badServerLists(_ text: String) {
        #expect((try? RedisServer.parseList(text).get()) == nil)
    }

    @Test func settingsAndTheirProblems() {
        let settings = Settings(environment: ["CQGREYLIST_REDIS": "127.0.0.1:6379", "CQGREYLIST_REDIS_TIMEOUT": "150ms",
                                              "CQGREYLIST_REDIS_PREFIX": "mx:", "CQGREYLIST_REDIS_PASSWORD_FILE": "/etc/cqgreylist/redis"])
        #expect(settings.problems.isEmpty)
        #expect(settings.redisServers == [.tcp(address: ClientAddress("127.0.0.1")!, port: 6379)])
        #expect((settings.redisTimeout, settings.redisPrefix, settings.redisPasswordFile) == (150, "mx:", "/etc/cqgreylist/redis"))
        #expect(Settings.defaults.redisServers.isEmpty && Settings.defaults.redisTimeout == 200 && Settings.defaults.redisPrefix == "cqgreylist:")

        let bad = Settings(environment: ["CQGREYLIST_REDIS": "redis:6379", "CQGREYLIST_REDIS_TIMEOUT": "5s",
                                         "CQGREYLIST_REDIS_PREFIX": "a b", "CQGREYLIST_REDIS_PASSWORD_FILE": "secret"])
        #expect(bad.redisServers.isEmpty && bad.redisTimeout == 200 && bad.redisPrefix == "cqgreylist:" && bad.redisPasswordFile == nil)
        // A server list that cannot be used is a store fault (DESIGN §2), never the state directory's default.
        #expect(bad.usesRedis && bad.redisProblem == "bad CQGREYLIST_REDIS value \"redis:6379\": \"redis:6379\" is not /socket, ip:port or [ipv6]:port")
        #expect(bad.problems == [
            "bad CQGREYLIST_REDIS_TIMEOUT value \"5s\": not a duration from 1ms to 4000ms, like 200ms or 1s, using the default",
            "bad CQGREYLIST_REDIS_PREFIX value \"a b\": must be 1 to 64 printable ASCII characters without spaces, using the default",
            "bad CQGREYLIST_REDIS_PASSWORD_FILE value \"secret\": not an absolute path, using the default",
        ])
    }

    @Test(arguments: [("200ms", 200), ("1s", 1000), ("2", 2000), ("4000ms", 4000), ("1m", 60_000)] as [(String, Milliseconds)])
    func milliseconds(_ text: String, _ value: Milliseconds) {
        #expect(Settings.parseMilliseconds(text) == value)
    }

    @Test func wholeSecondsInMillisecondsAreDurations() {
        #expect(Settings.parseDuration("300000ms") == 300)
        #expect(Settings.parseDuration("1500ms") == nil)
        #expect(Settings.parseMilliseconds("5ms5") == nil && Settings.parseMilliseconds("ms") == nil && Settings.parseMilliseconds("5sm") == nil)
    }
}
