// cqgreylist: greylists one SMTP connection under tcpserver, then execs the next program or refuses.
import Greylist
import GreylistSystem

let program = "cqgreylist"
let arguments: WrapperArguments
do {
    arguments = try WrapperArguments.parse(ArgumentVector())
} catch {
    logToStandardError("\(program): fatal: \(error.message)\nusage: cqgreylist [options] [--] program [arguments...] (see --help)\n")
    exit(.badInput)
}
if arguments.wantsHelp {
    try? writeAll(WrapperArguments.help, to: 1)
    exit(.ok)
}

let environment = Environment(lookup: environmentValue)
let settings = Settings(options: arguments.options, environment: environment)
let verdict = Greylister(settings: settings).run(environment: environment, now: currentTime())
logToStandardError(verdict.text(program: program, pid: processID()))

if verdict.passes {
    passConnection(toProgramAt: arguments.programIndex, name: ArgumentVector()[arguments.programIndex], program: program)
}
runRefusalDialogue(hostname: replyHostname(configured: settings.hostname), message: settings.message, timeout: settings.timeout)
