import FoundationEssentials
import Greylist
import GreylistAdmin
import GreylistSystem

/// Checks every setting of the wrapper given in this process's environment (`envdir DIR cqgreylist-clean
/// --check-settings` checks an envdir, with envdir's own reading of it) strictly, as the cleaner reads its own:
/// each bad value, each relative path (the wrapper wants absolute ones) and each `CQGREYLIST_` variable that is
/// no setting is reported on stderr. Prints the state directory and the whitelist in force, as `NAME=value`
/// lines, on stdout, and `CQGREYLIST_LOGONLY=on` when log-only mode is on. Returns `.ok`, or `.badInput` if
/// anything was reported.
public func checkSettingsInEnvironment(program: String) -> ExitStatus {
    let environment = Environment(lookup: environmentValue)
    var problems: [String] = []
    let settings: Settings
    do {
        settings = try Settings(strictly: Setting.allCases, options: [], environment: environment)
    } catch {
        problems = error.problems
        settings = Settings.defaults
    }
    for setting in [Setting.directory, .whitelist] {
        if let value = environment[setting.environmentVariable], !value.isEmpty, !value.hasPrefix("/") {
            problems.append("bad \(setting.environmentVariable) value \(LogLine.quoted(value)): not an absolute path")
        }
    }
    let known = Set(Setting.allCases.map { $0.environmentVariable })
    for name in ProcessInfo.processInfo.environment.keys.sorted() where name.hasPrefix("CQGREYLIST_") && !known.contains(name) {
        problems.append("unknown variable \(name): not a setting of cqgreylist (see cqgreylist --help)")
    }
    // The values given, even where another setting is bad, so that the caller checks the right files.
    for setting in [Setting.directory, .whitelist] {
        let value = environment[setting.environmentVariable] ?? (setting == .directory ? settings.directory : settings.whitelist)
        print("\(setting.environmentVariable)=\(value)")
    }
    // Log-only mode passes every client: said, so that a check can tell that greylisting is off.
    if settings.logOnly { print("\(Setting.logOnly.environmentVariable)=on") }
    for problem in problems { logToStandardError("\(program): \(problem)\n") }
    return problems.isEmpty ? .ok : .badInput
}
