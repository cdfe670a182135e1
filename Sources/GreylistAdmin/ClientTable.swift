/// A record key of up to 24 bytes (every IPv4 key, IPv6 /64 prefixes) as the log spells it, held in three
/// words: a report makes one per greylisting and pass line, and a String would cost more than parsing the line
/// (validated and copied: about 400 ns, measured). Longer keys (rare) are kept apart as bytes.
struct ClientKey: Equatable, Sendable {
    /// The bytes, zero-padded (a key is printable ASCII: no zero byte in it, so no length is needed).
    private var words: (UInt64, UInt64, UInt64) = (0, 0, 0)

    /// The free slot's mark in a `ClientTable`: no key.
    init() {}

    /// Whether this is the free slot's mark.
    var isFree: Bool { words.0 == 0 }

    /// The first 8 bytes.
    var firstWord: UInt64 { words.0 }

    /// The key at `range` of `line`; nil if it is longer than 24 bytes.
    init?(_ line: Span<UInt8>, _ range: Range<Int>) {
        guard range.count <= 24 else { return nil }
        /// The up to 8 bytes from `start` on, the first in the lowest bits.
        func word(from start: Int) -> UInt64 {
            var word: UInt64 = 0, index = min(start + 8, range.upperBound)
            while index > start {
                index -= 1
                word = word << 8 | UInt64(line[index])
            }
            return word
        }
        words = (word(from: range.lowerBound), word(from: range.lowerBound + 8), word(from: range.lowerBound + 16))
    }

    /// The key as text.
    var text: String {
        var text = ""
        for index in 0..<24 {
            let word = index < 8 ? words.0 : index < 16 ? words.1 : words.2
            let byte = UInt8(truncatingIfNeeded: word >> (8 * UInt64(index % 8)))
            if byte == 0 { break }
            text.unicodeScalars.append(Unicode.Scalar(byte))
        }
        return text
    }

    static func == (a: ClientKey, b: ClientKey) -> Bool { a.words == b.words }

    /// Whether this key comes before `other` in byte order (as their texts do).
    func precedes(_ other: ClientKey) -> Bool {
        (words.0.byteSwapped, words.1.byteSwapped, words.2.byteSwapped) < (other.words.0.byteSwapped, other.words.1.byteSwapped,
                                                                            other.words.2.byteSwapped)
    }

    /// The key's hash under a secret `seed`: a multiply and shift round per word, and one more so that every
    /// bit of the last word reaches the low bits a table uses (a tenth of `Hasher`'s time here, measured; the
    /// seed keeps keys from being crafted to collide).
    func hash(seed: UInt64) -> Int {
        var hash = (seed ^ words.0) &* 0x9E37_79B9_7F4A_7C15
        hash = (hash ^ hash >> 29 ^ words.1) &* 0xBF58_476D_1CE4_E5B9
        hash = (hash ^ hash >> 31 ^ words.2) &* 0x94D0_49BB_1331_11EB
        hash = (hash ^ hash >> 32) &* 0xD6E8_FEB8_6659_FD93
        return Int(truncatingIfNeeded: hash ^ hash >> 32)
    }
}

/// Client tallies by key in one array of key and tally side by side (open addressing, linear probing): a
/// lookup in a table bigger than the processor's caches then misses once, not once for the key and once for the
/// tally as in a Dictionary. Changes wait in batches: the slots of a batch are read all together first, so that
/// their cache misses overlap instead of following one another (a report's main cost otherwise). Keys are
/// hashed under a seed `Hasher` draws per process, so crafted keys cannot flood it.
struct ClientTable: Sendable {
    typealias Slot = (key: ClientKey, tally: LogReport.ClientTally)
    /// Keys and tallies; an all-zero key marks a free slot (a key is never empty).
    private var slots = [Slot](repeating: (ClientKey(), LogReport.ClientTally()), count: 16)
    private var count = 0
    /// Changes not made yet, in order, with their key's hash.
    private var waiting: [(key: ClientKey, hash: Int, change: LogReport.ClientTally.Change)] = []
    /// Bits of the slots a batch looked at: kept, so that the reads are made.
    private var looked: UInt64 = 0
    private let seed: UInt64 = {
        var hasher = Hasher()
        hasher.combine(0)
        return UInt64(truncatingIfNeeded: hasher.finalize())
    }()

    /// How many changes wait before they are made.
    static let batch = 32

    /// Makes room for `count` keys at once.
    mutating func reserve(_ count: Int) {
        var size = slots.count
        while size * 7 < count * 8 { size *= 2 }
        if size > slots.count { resize(to: size) }
    }

    /// Changes the tally of `key` (starting an empty one if it has none), now or with the batch it joins.
    mutating func update(_ key: ClientKey, _ change: LogReport.ClientTally.Change) {
        waiting.append((key, key.hash(seed: seed), change))
        if waiting.count == Self.batch { makeWaitingChanges() }
    }

    /// Makes the changes that wait, in order.
    mutating func makeWaitingChanges() {
        var mask = slots.count - 1
        for change in waiting {   // independent reads, their misses overlapping: the key, and the tally (a slot may span two cache lines)
            let slot = slots[change.hash & mask]
            looked |= slot.key.firstWord | UInt64(slot.tally.earlyRetries)
        }
        for (key, hash, change) in waiting {
            var index = hash & mask
            while !slots[index].key.isFree && slots[index].key != key { index = (index + 1) & mask }
            if slots[index].key.isFree {
                slots[index].key = key
                count += 1
            }
            slots[index].tally.apply(change)
            if count * 8 > slots.count * 7 {
                resize(to: slots.count * 2)
                mask = slots.count - 1
            }
        }
        waiting.removeAll(keepingCapacity: true)
    }

    /// Takes in `other`'s tallies, each following this table's of the same key. The table is first made at
    /// least as large as `other`'s: keys taken in `other`'s order (its hash order) into a smaller table would fill
    /// it in long runs.
    mutating func merge(_ other: ClientTable) {
        if slots.count < other.slots.count { resize(to: other.slots.count) }
        for (key, tally) in other.entries { update(key, .followedBy(tally)) }
        makeWaitingChanges()
    }

    /// The keys and their tallies, in no particular order (with every change made).
    var entries: LazyFilterSequence<[Slot]> {
        var table = self
        if !table.waiting.isEmpty { table.makeWaitingChanges() }   // copies the slots: only when changes wait
        return table.slots.lazy.filter { !$0.key.isFree }
    }

    private mutating func resize(to size: Int) {
        let old = slots
        slots = Array(repeating: (ClientKey(), LogReport.ClientTally()), count: size)
        let mask = size - 1
        for slot in old where !slot.key.isFree {
            var index = slot.key.hash(seed: seed) & mask
            while !slots[index].key.isFree { index = (index + 1) & mask }
            slots[index] = slot
        }
    }
}
