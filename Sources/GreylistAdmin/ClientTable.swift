/// Client tallies by key, in 32-byte slots of key and tally side by side (open addressing, linear probing): a
/// lookup in a table bigger than the processor's caches then misses once, not once for the key and once for the
/// tally as in a Dictionary. The slots are cut in `shardCount` shards by the keys' hash, each grown on its own by
/// half when 7/8 full: the table stays at least 7/12 full (at most 55 bytes a client), and a growth never holds
/// twice the table. A log read in chunks by several threads gives each thread the shards it owns (`owned(by:of:)`).
/// Changes wait in batches: the slots of a batch are read all together first, so that their cache misses overlap
/// instead of following one another (a report's main cost otherwise). Keys are hashed under a seed `Hasher` draws
/// per process, so crafted keys cannot flood it.
public struct ClientTable: Sendable {
    /// A key and its tally; a `kind` of 0 marks a free slot.
    struct Slot {
        var bits: UInt64 = 0
        var tally = LogReport.ClientTally()
        var kind: UInt8 = 0
    }

    /// A part of the table: the keys whose hash starts with its number.
    struct Shard {
        var slots = [Slot](repeating: Slot(), count: 16)
        var count = 0
    }

    /// A change to the tally of a key, with the key's hash.
    typealias Change = (key: ClientKey, hash: Int, change: LogReport.ClientTally.Change)

    static let shardCount = 64
    private var shards = [Shard](repeating: Shard(), count: shardCount)
    /// Changes not made yet, in order.
    private var waiting: [Change] = []
    /// Bits of the slots a batch looked at: kept, so that the reads are made.
    private var looked: UInt64 = 0
    /// The seed of the keys' hashes, the same for every table of the process (chunks hash for their owners).
    static let seed: UInt64 = {
        var hasher = Hasher()
        hasher.combine(0)
        return UInt64(truncatingIfNeeded: hasher.finalize())
    }()

    /// How many changes wait before they are made.
    static let batch = 32

    /// Makes room for `count` keys at once.
    mutating func reserve(_ count: Int) {
        let size = count / Self.shardCount * 8 / 7 + 1
        for index in shards.indices where shards[index].slots.count < size { resize(index, to: size) }
    }

    /// The shard of a key's hash: its top bits.
    static func shard(_ hash: Int) -> Int { Int(UInt64(UInt(bitPattern: hash)) >> 58) }

    /// The slot of a key's hash in a shard of `size` slots: its low 32 bits scaled to the size.
    static func slot(_ hash: Int, size: Int) -> Int { Int((UInt64(UInt32(truncatingIfNeeded: hash)) &* UInt64(size)) >> 32) }

    /// Changes the tally of `key` (starting an empty one if it has none), now or with the batch it joins.
    mutating func update(_ key: ClientKey, _ change: LogReport.ClientTally.Change) {
        wait((key, key.hash(seed: Self.seed), change))
    }

    private mutating func wait(_ change: Change) {
        waiting.append(change)
        if waiting.count == Self.batch { makeWaitingChanges() }
    }

    /// Makes the changes that wait, in order.
    mutating func makeWaitingChanges() {
        for change in waiting {   // independent reads, their misses overlapping
            let shard = Self.shard(change.hash)
            let slot = shards[shard].slots[Self.slot(change.hash, size: shards[shard].slots.count)]
            looked |= slot.bits | UInt64(slot.tally.earlyRetries)
        }
        for (key, hash, change) in waiting {
            let shard = Self.shard(hash)
            let size = shards[shard].slots.count
            var index = Self.slot(hash, size: size)
            while shards[shard].slots[index].kind != 0
                    && (shards[shard].slots[index].kind != key.kind || shards[shard].slots[index].bits != key.bits) {
                index = index + 1 == size ? 0 : index + 1
            }
            if shards[shard].slots[index].kind == 0 {
                (shards[shard].slots[index].bits, shards[shard].slots[index].kind) = (key.bits, key.kind)
                shards[shard].count += 1
            }
            shards[shard].slots[index].tally.apply(change)
            if shards[shard].count * 8 > size * 7 { resize(shard, to: size + size / 2) }
        }
        waiting.removeAll(keepingCapacity: true)
    }

    /// Makes the changes `part` held (see `LogReport.init(since:until:window:holdingClientChanges:)`) to the keys
    /// of the shards this table holds as `owner` of `owners` (`owned(by:of:)`), in order.
    public mutating func apply(changesHeldBy part: LogReport, owner: Int, of owners: Int) {
        for change in part.heldClientChanges where Self.shard(change.hash) % owners == owner { wait(change) }
        makeWaitingChanges()
    }

    /// The shards `owner` of `owners` makes the changes to (every `owners`th), taken out of this table.
    public mutating func owned(by owner: Int, of owners: Int) -> ClientTable {
        var owned = ClientTable()
        makeWaitingChanges()
        for index in stride(from: owner, to: shards.count, by: owners) { swap(&owned.shards[index], &shards[index]) }
        return owned
    }

    /// Takes back the shards `owned(by:of:)` took out into `owned`.
    public mutating func takeBack(_ owned: ClientTable, owner: Int, of owners: Int) {
        var owned = owned
        owned.makeWaitingChanges()
        for index in stride(from: owner, to: shards.count, by: owners) { swap(&owned.shards[index], &shards[index]) }
    }

    /// Takes in `other`'s tallies, each following this table's of the same key.
    mutating func merge(_ other: ClientTable) {
        for (key, tally) in other.entries { update(key, .followedBy(tally)) }
        makeWaitingChanges()
    }

    /// The keys and their tallies, in no particular order (with every change made).
    var entries: some Sequence<(key: ClientKey, tally: LogReport.ClientTally)> {
        var table = self
        if !table.waiting.isEmpty { table.makeWaitingChanges() }   // copies the slots: only when changes wait
        return table.shards.lazy.flatMap { $0.slots.lazy.filter { $0.kind != 0 } }
            .map { (key: ClientKey(bits: $0.bits, kind: $0.kind), tally: $0.tally) }
    }

    /// Rehashes shard `index` into `size` slots.
    private mutating func resize(_ index: Int, to size: Int) {
        var grown = [Slot](repeating: Slot(), count: size)
        for slot in shards[index].slots where slot.kind != 0 {
            var target = Self.slot(ClientKey(bits: slot.bits, kind: slot.kind).hash(seed: Self.seed), size: size)
            while grown[target].kind != 0 { target = target + 1 == size ? 0 : target + 1 }
            grown[target] = slot
        }
        shards[index].slots = grown
    }
}
