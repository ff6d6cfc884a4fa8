/// XXH64, the 64-bit xxHash of Yann Collet: the checksum plans carry.
///
/// Four lanes each consume 8 bytes of every 32-byte stripe:
/// `lane = rotl(lane + word × P2, 31) × P1`; the lanes are merged, the tail is
/// folded in 8, 4 and 1 bytes at a time, and a final avalanche mixes the bits.
/// It is not cryptographic: it detects damage, not tampering.
///
/// Use ``hash(_:seed:)`` for one buffer, or ``update(_:)`` and ``digest()`` to
/// hash data that arrives in pieces (the result is the same).
public struct XXH64: Sendable {
    static let prime1: UInt64 = 0x9E37_79B1_85EB_CA87
    static let prime2: UInt64 = 0xC2B2_AE3D_27D4_EB4F
    static let prime3: UInt64 = 0x1656_67B1_9E37_79F9
    static let prime4: UInt64 = 0x85EB_CA77_C2B2_AE63
    static let prime5: UInt64 = 0x27D4_EB2F_1656_67C5

    private let seed: UInt64
    private var v1, v2, v3, v4: UInt64
    private var totalLength: UInt64 = 0
    /// Up to 31 bytes not yet consumed as a full stripe.
    private var pending: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
    private var pendingCount = 0

    /// A hasher with the given seed (plans use 0).
    public init(seed: UInt64 = 0) {
        self.seed = seed
        v1 = seed &+ Self.prime1 &+ Self.prime2
        v2 = seed &+ Self.prime2
        v3 = seed
        v4 = seed &- Self.prime1
    }

    /// The XXH64 of `bytes`.
    public static func hash(_ bytes: UnsafeRawBufferPointer, seed: UInt64 = 0) -> UInt64 {
        var h = XXH64(seed: seed)
        h.update(bytes)
        return h.digest()
    }

    /// The XXH64 of `bytes`.
    public static func hash(_ bytes: [UInt8], seed: UInt64 = 0) -> UInt64 {
        bytes.withUnsafeBytes { hash($0, seed: seed) }
    }

    /// Feeds more bytes.
    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        guard var p = bytes.baseAddress, bytes.count > 0 else { return }
        var remaining = bytes.count
        totalLength &+= UInt64(remaining)
        if pendingCount > 0 {
            let take = min(32 - pendingCount, remaining)
            withUnsafeMutableBytes(of: &pending) { buffer in
                (buffer.baseAddress! + pendingCount).copyMemory(from: p, byteCount: take)
            }
            pendingCount += take
            p += take
            remaining -= take
            if pendingCount < 32 { return }
            let stripe = pending
            withUnsafeBytes(of: stripe) { consumeStripes($0.baseAddress!, count: 1) }
            pendingCount = 0
        }
        let stripes = remaining / 32
        if stripes > 0 {
            consumeStripes(p, count: stripes)
            p += stripes * 32
            remaining -= stripes * 32
        }
        if remaining > 0 {
            withUnsafeMutableBytes(of: &pending) { buffer in
                buffer.baseAddress!.copyMemory(from: p, byteCount: remaining)
            }
            pendingCount = remaining
        }
    }

    /// The hash of every byte fed so far (the hasher can keep going).
    public func digest() -> UInt64 {
        var h: UInt64
        if totalLength >= 32 {
            h = rotl(v1, 1) &+ rotl(v2, 7) &+ rotl(v3, 12) &+ rotl(v4, 18)
            h = Self.mergeRound(h, v1)
            h = Self.mergeRound(h, v2)
            h = Self.mergeRound(h, v3)
            h = Self.mergeRound(h, v4)
        } else {
            h = seed &+ Self.prime5
        }
        h &+= totalLength
        let tail = pending
        return withUnsafeBytes(of: tail) { Self.finalize(h, $0.baseAddress!, count: pendingCount) }
    }

    /// The four-lane loop: the hot path, 32 bytes per iteration.
    @inline(__always)
    private mutating func consumeStripes(_ start: UnsafeRawPointer, count: Int) {
        var a = v1, b = v2, c = v3, d = v4
        var p = start
        for _ in 0..<count {
            a = Self.round(a, UInt64(littleEndian: p.loadUnaligned(as: UInt64.self)))
            b = Self.round(b, UInt64(littleEndian: p.loadUnaligned(fromByteOffset: 8, as: UInt64.self)))
            c = Self.round(c, UInt64(littleEndian: p.loadUnaligned(fromByteOffset: 16, as: UInt64.self)))
            d = Self.round(d, UInt64(littleEndian: p.loadUnaligned(fromByteOffset: 24, as: UInt64.self)))
            p += 32
        }
        v1 = a; v2 = b; v3 = c; v4 = d
    }

    /// Folds the last `count` (< 32) bytes into `h` and avalanches.
    private static func finalize(_ hash: UInt64, _ start: UnsafeRawPointer, count: Int) -> UInt64 {
        var h = hash
        var p = start
        var remaining = count
        while remaining >= 8 {
            h ^= round(0, UInt64(littleEndian: p.loadUnaligned(as: UInt64.self)))
            h = rotl(h, 27) &* prime1 &+ prime4
            p += 8
            remaining -= 8
        }
        if remaining >= 4 {
            h ^= UInt64(UInt32(littleEndian: p.loadUnaligned(as: UInt32.self))) &* prime1
            h = rotl(h, 23) &* prime2 &+ prime3
            p += 4
            remaining -= 4
        }
        while remaining > 0 {
            h ^= UInt64(p.load(as: UInt8.self)) &* prime5
            h = rotl(h, 11) &* prime1
            p += 1
            remaining -= 1
        }
        h ^= h >> 33
        h &*= prime2
        h ^= h >> 29
        h &*= prime3
        h ^= h >> 32
        return h
    }

    @inline(__always)
    private static func round(_ acc: UInt64, _ input: UInt64) -> UInt64 {
        rotl(acc &+ input &* prime2, 31) &* prime1
    }

    @inline(__always)
    private static func mergeRound(_ acc: UInt64, _ value: UInt64) -> UInt64 {
        (acc ^ round(0, value)) &* prime1 &+ prime4
    }
}

@inline(__always)
private func rotl(_ x: UInt64, _ r: UInt64) -> UInt64 { (x << r) | (x >> (64 - r)) }
