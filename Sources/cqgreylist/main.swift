// cqgreylist: greylists one SMTP connection under tcpserver, then execs the next program or refuses.
import Greylist
import GreylistSystem

let program = "cqgreylist"
coverClosedStandardDescriptors()   // so that nothing we open lands on a closed 0, 1 or 2
let arguments: WrapperArguments
do {
    arguments = try WrapperArguments.parse(ArgumentVector())
} catch {
    logToStandardError(LogLine.usageError(error.message, program: program))
    exit(.badInput)
}
if arguments.wantsHelp {
    try? writeAll(WrapperArguments.help, to: 1)
    exit(.ok)
}
if arguments.wantsVersion {
    try? writeAll("cqgreylist \(cqgreylistVersion)\n", to: 1)
    exit(.ok)
}

let deadline = KillTimer(seconds: decisionDeadline)   // exec cancels it
let environment = Environment(lookup: environmentValue)
let settings = Settings(options: arguments.options, environment: environment)
let verdict = Greylister(settings: settings).run(environment: environment, now: currentTime())
logToStandardError(LogLine.text(for: verdict, program: program, pid: processID()))

if verdict.passes {
    passConnection(toProgramAt: arguments.programIndex, name: ArgumentVector()[arguments.programIndex], program: program)
}
let hostname = replyHostname(configured: settings.hostname)
deadline.cancel()
let message = SMTPDialogue.refusalText(settings.message, secondsUntilPass: verdict.secondsUntilPass(delay: settings.policy.delay))
runRefusalDialogue(hostname: hostname, message: message, timeout: settings.timeout)
