/// A read-only hash map from byte strings (UTF-8 tokens) to ids, probed with raw byte
/// buffers so that WordPiece's inner loop never builds a `String` to look a piece up.
///
/// Open addressing with linear probing at a load of at most one half; keys live back to back
/// in one byte block. It is a class only to own its memory; it never changes after `init`.
final class ByteStringTable: @unchecked Sendable {
    private struct Slot {
        var hash: UInt32
        var length: Int32
        var offset: Int32
        var id: Int32
    }

    private let slots: UnsafeMutablePointer<Slot>
    private let mask: Int
    private let keyBytes: UnsafeMutablePointer<UInt8>
    /// The longest key in bytes: no match can be longer, so WordPiece starts its search there.
    let maxKeyLength: Int
    /// Number of keys.
    let count: Int

    /// A table of `entries`; keys must be distinct (the vocabulary checks before calling).
    init(_ entries: [(key: [UInt8], id: Int32)]) {
        var capacity = 16
        while capacity < entries.count * 2 { capacity <<= 1 }
        let mask = capacity - 1
        let slots = UnsafeMutablePointer<Slot>.allocate(capacity: capacity)
        slots.initialize(repeating: Slot(hash: 0, length: 0, offset: 0, id: -1), count: capacity)
        let keyBytes = UnsafeMutablePointer<UInt8>.allocate(capacity: max(entries.reduce(0) { $0 + $1.key.count }, 1))
        var offset = 0
        var longest = 0
        for (key, id) in entries {
            let stored = keyBytes + offset
            stored.initialize(from: key, count: key.count)
            let hash = ByteStringTable.hash(UnsafeBufferPointer(start: stored, count: key.count))
            var index = Int(truncatingIfNeeded: hash) & mask
            while slots[index].id >= 0 { index = (index + 1) & mask }
            slots[index] = Slot(hash: hash, length: Int32(key.count), offset: Int32(offset), id: id)
            offset += key.count
            longest = max(longest, key.count)
        }
        self.mask = mask
        self.slots = slots
        self.keyBytes = keyBytes
        maxKeyLength = longest
        count = entries.count
    }

    deinit {
        slots.deallocate()
        keyBytes.deallocate()
    }

    /// The id stored for the bytes `key`, or -1.
    @inline(__always)
    func id(_ key: UnsafeBufferPointer<UInt8>) -> Int32 {
        let hash = ByteStringTable.hash(key)
        var index = Int(truncatingIfNeeded: hash) & mask
        while true {
            let slot = slots[index]
            if slot.id < 0 { return -1 }
            if slot.hash == hash, Int(slot.length) == key.count,
               key.count == 0 || memoryEqual(keyBytes + Int(slot.offset), key.baseAddress!, key.count) {
                return slot.id
            }
            index = (index + 1) & mask
        }
    }

    /// FNV-1a, folded to 32 bits: short keys (most tokens are 2–8 bytes) hash in a few cycles.
    @inline(__always)
    static func hash(_ key: UnsafeBufferPointer<UInt8>) -> UInt32 {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in key { h = (h ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
        return UInt32(truncatingIfNeeded: h ^ (h >> 32))
    }
}

@inline(__always)
private func memoryEqual(_ a: UnsafePointer<UInt8>, _ b: UnsafePointer<UInt8>, _ count: Int) -> Bool {
    for i in 0..<count where a[i] != b[i] { return false }
    return true
}
