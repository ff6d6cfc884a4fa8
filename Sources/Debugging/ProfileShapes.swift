import IR

/// The shapes of a profile range, trtexec style: per input, min ≤ opt ≤ max.
public struct ShapeProfile: Sendable, Equatable {
    public var min: [String: [Int]]
    public var opt: [String: [Int]]
    public var max: [String: [Int]]

    public init(min: [String: [Int]], opt: [String: [Int]], max: [String: [Int]]) {
        self.min = min
        self.opt = opt
        self.max = max
    }

    /// One fixed shape per input (min = opt = max).
    public init(fixed shapes: [String: [Int]]) { self.init(min: shapes, opt: shapes, max: shapes) }

    /// Checks every input of `inputs` has three shapes of one rank with min ≤ opt ≤ max per dim.
    public func validate(for inputs: [ValueInfo]) throws {
        for info in inputs {
            guard let lo = min[info.name], let mid = opt[info.name], let hi = max[info.name] else {
                throw DebugError.invalidProfile(input: info.name, reason: "give its shape in --minShapes, --optShapes and --maxShapes")
            }
            guard lo.count == mid.count, mid.count == hi.count else {
                throw DebugError.invalidProfile(input: info.name, reason: "min, opt and max have different ranks")
            }
            if let rank = info.type?.shape?.rank, rank != lo.count {
                throw DebugError.invalidProfile(input: info.name, reason: "rank \(lo.count) given, the input has rank \(rank)")
            }
            for d in lo.indices where !(lo[d] <= mid[d] && mid[d] <= hi[d]) {
                throw DebugError.invalidProfile(input: info.name, reason: "dim \(d): min \(lo[d]) ≤ opt \(mid[d]) ≤ max \(hi[d]) does not hold")
            }
        }
    }

    /// Throws naming the input and dim when `shapes` leaves the range.
    public func check(_ shapes: [String: [Int]]) throws {
        for name in shapes.keys.sorted() {
            guard let s = shapes[name], let lo = min[name], let hi = max[name] else { continue }
            guard s.count == lo.count else {
                throw DebugError.invalidProfile(input: name, reason: "shape \(s) has rank \(s.count), the profile rank \(lo.count)")
            }
            for d in s.indices where s[d] < lo[d] || s[d] > hi[d] {
                throw DebugError.shapeOutsideRange(input: name, dim: d, value: s[d], min: lo[d], max: hi[d])
            }
        }
    }
}

/// One set of input shapes to test, with where it came from (`min`, `opt`,
/// `max`, `odd`, `random`, `given`).
public struct ShapeSample: Sendable, Equatable {
    public var label: String
    public var shapes: [String: [Int]]

    public init(label: String, shapes: [String: [Int]]) {
        self.label = label
        self.shapes = shapes
    }
}

extension ShapeProfile {
    /// min, opt and max, then `random` seeded draws in between: the first with
    /// every varying dim odd (tails that are not a multiple of a SIMD width),
    /// the others uniform. Dims that share a symbol in the inputs' declared
    /// shapes (`B`, `T`) get one value per draw; duplicates are dropped.
    public func samples(for inputs: [ValueInfo], random: Int, seed: UInt64) throws -> [ShapeSample] {
        try validate(for: inputs)
        var out = [ShapeSample(label: "min", shapes: min), ShapeSample(label: "opt", shapes: opt),
                   ShapeSample(label: "max", shapes: max)]
        let ranges = try keyRanges(inputs)
        var g = SplitMix64(seed: seed ^ 0x5DEE_CE66_D1CE_4E5B)  // shape draws: a stream of their own
        for k in 0..<Swift.max(random, 0) {
            var values: [String: Int] = [:]
            for (key, r) in ranges.sorted(by: { $0.key < $1.key }) {
                values[key] = k == 0 ? g.odd(in: r) : Int.random(in: r, using: &g)
            }
            var shapes: [String: [Int]] = [:]
            for info in inputs {
                shapes[info.name] = min[info.name]!.indices.map { values[Self.key(info, $0)]! }
            }
            out.append(ShapeSample(label: k == 0 ? "odd" : "random", shapes: shapes))
        }
        var unique: [ShapeSample] = []
        for s in out where !unique.contains(where: { $0.shapes == s.shapes }) { unique.append(s) }
        return unique
    }

    /// The key a dim draws its value under: its symbol, or the input and axis.
    static func key(_ info: ValueInfo, _ axis: Int) -> String {
        if let shape = info.type?.shape, axis < shape.rank, case .symbol(let s) = shape[axis] { return "symbol " + s }
        return "\(info.name)#\(axis)"
    }

    private func keyRanges(_ inputs: [ValueInfo]) throws -> [String: ClosedRange<Int>] {
        var ranges: [String: ClosedRange<Int>] = [:]
        for info in inputs {
            let lo = min[info.name]!, hi = max[info.name]!
            for d in lo.indices {
                let key = Self.key(info, d)
                let r = ranges[key] ?? lo[d]...hi[d]
                let a = Swift.max(r.lowerBound, lo[d]), b = Swift.min(r.upperBound, hi[d])
                guard a <= b else {
                    throw DebugError.invalidProfile(input: info.name, reason: "dim \(d) shares \(key.dropFirst(7)) with another input whose range does not overlap")
                }
                ranges[key] = a...b
            }
        }
        return ranges
    }
}

extension SplitMix64 {
    /// A random odd value in `r`, or its lower bound when `r` holds no odd value or one value.
    mutating func odd(in r: ClosedRange<Int>) -> Int {
        guard r.lowerBound < r.upperBound else { return r.lowerBound }
        let first = r.lowerBound | 1
        guard first <= r.upperBound else { return r.lowerBound }
        let count = (r.upperBound - first) / 2 + 1
        return first + 2 * Int.random(in: 0..<count, using: &self)
    }
}
