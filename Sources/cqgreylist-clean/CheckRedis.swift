// cqgreylist-clean --check-redis: what would make the wrapper's Redis work fail, or forget passed senders.
import FoundationEssentials
import Greylist
import GreylistTools

extension Clean {
    /// Checks the settings' Redis servers as this user: each problem on stderr as `cqgreylist-clean: PROBLEM`
    /// and `  fix: FIX` (what tools/install --check reads), each sound server on stdout. 0 if all is well, else 111.
    func checkRedisSetup(_ settings: Settings) -> ExitStatus {
        guard !settings.redisServers.isEmpty else {
            print("cqgreylist-clean: no Redis servers (CQGREYLIST_REDIS, --redis): records are in \(LogLine.escaped(settings.directory, limit: 4096))")
            return .ok
        }
        var problems = 0
        RedisSetupCheck(settings: settings, user: ProcessInfo.processInfo.userName).run(
            found: { problem in
                problems += 1
                report("\(problem.text)\n  fix: \(problem.fix)")
            },
            passed: { print("cqgreylist-clean: \($0)") })
        return problems == 0 ? .ok : .systemError
    }
}
