import Greylist

extension LogReport {
    /// A client key's story in the period, in 24 bytes (a busy server's log has hundreds of thousands of clients).
    /// Timed lines are matched by time, so that logs of several hosts sharing records (Redis) may be read in any
    /// order; a line without a time is matched by order (a pass after a greylisting passes the client).
    struct ClientTally: Sendable {
        /// The first and last times it was greylisted, in seconds since the epoch (0: not on a timed line).
        var firstGreylisted: UInt32 = 0, lastGreylisted: UInt32 = 0
        /// The last time it passed by a retry or as known, the first time by a retry (0: not on a timed line).
        var lastPassed: UInt32 = 0, firstRetried: UInt32 = 0
        var earlyRetries: UInt32 = 0
        var marks: Marks = []

        /// What the lines without a time said, in order.
        struct Marks: OptionSet, Sendable {
            let rawValue: UInt8
            /// Greylisted on a line without a time.
            static let greylistedUntimed = Marks(rawValue: 1)
            /// A pass followed a greylisting, one of the two on a line without a time.
            static let passedInOrder = Marks(rawValue: 2)
            /// A pass without a time came before any greylisting (in a part of a log read in parallel: the
            /// greylisting may be in an earlier part).
            static let untimedPassFirst = Marks(rawValue: 4)
            /// A timed pass came before any greylisting without a time.
            static let timedPassFirst = Marks(rawValue: 8)
            /// A retry without a time came before any greylisting: it was greylisted before the period.
            static let untimedRetryFirst = Marks(rawValue: 16)
        }

        var greylisted: Bool { firstGreylisted != 0 || marks.contains(.greylistedUntimed) }

        /// Whether it passed after being greylisted in the period: by a retry or as known, timed at or after its
        /// first greylisting, or following it in order where either line has no time.
        var passed: Bool {
            marks.contains(.passedInOrder) || (firstGreylisted != 0 && lastPassed >= firstGreylisted)
        }

        /// Whether a retry passed it before any greylisting in the period (it was greylisted before the period).
        var retriedBeforeGreylisting: Bool {
            marks.contains(.untimedRetryFirst)
                || (firstRetried != 0 && !marks.contains(.greylistedUntimed) && (firstGreylisted == 0 || firstRetried < firstGreylisted))
        }

        /// Takes in a greylisting, at `time` if the line had one.
        mutating func greylist(at time: UInt32?) {
            guard let time else { marks.insert(.greylistedUntimed); return }
            firstGreylisted = firstGreylisted == 0 ? time : min(firstGreylisted, time)
            lastGreylisted = max(lastGreylisted, time)
        }

        /// Takes in a pass by a retry or as known, at `time` if the line had one.
        mutating func pass(at time: UInt32?, retry: Bool) {
            if let time {
                lastPassed = max(lastPassed, time)
                if retry { firstRetried = firstRetried == 0 ? time : min(firstRetried, time) }
                if marks.contains(.greylistedUntimed) { marks.insert(.passedInOrder) } else { marks.insert(.timedPassFirst) }
            } else if greylisted {
                marks.insert(.passedInOrder)
            } else {
                marks.insert(retry ? [.untimedPassFirst, .untimedRetryFirst] : .untimedPassFirst)
            }
        }

        /// Makes `change`.
        mutating func apply(_ change: Change) {
            switch change {
            case .greylisted(let time, let early):
                greylist(at: time)
                if early { earlyRetries += 1 }
            case .passed(let time, let retry): pass(at: time, retry: retry)
            }
        }

        /// A line's change to a tally, as a value: changes wait in batches, or for another thread (see `ClientTable`).
        enum Change: Sendable {
            /// Greylisted, at the time if the line had one; `early`: a retry before the delay was up.
            case greylisted(at: UInt32?, early: Bool)
            /// Passed by a retry or as known, at the time if the line had one.
            case passed(at: UInt32?, retry: Bool)
        }

        /// Takes in the tally of the same key in the lines that followed.
        mutating func append(_ next: ClientTally) {
            if greylisted {
                if next.marks.contains(.untimedPassFirst) { marks.insert(.passedInOrder) }
            } else {
                marks.formUnion(next.marks.intersection([.untimedPassFirst, .untimedRetryFirst]))
            }
            if marks.contains(.greylistedUntimed) {
                if next.marks.contains(.timedPassFirst) { marks.insert(.passedInOrder) }
            } else {
                marks.formUnion(next.marks.intersection(.timedPassFirst))
            }
            marks.formUnion(next.marks.intersection([.greylistedUntimed, .passedInOrder]))
            func earliest(_ a: UInt32, _ b: UInt32) -> UInt32 { a == 0 ? b : b == 0 ? a : min(a, b) }
            (firstGreylisted, lastGreylisted) = (earliest(firstGreylisted, next.firstGreylisted), max(lastGreylisted, next.lastGreylisted))
            (lastPassed, firstRetried) = (max(lastPassed, next.lastPassed), earliest(firstRetried, next.firstRetried))
            earlyRetries += next.earlyRetries
        }
    }
}
