/// Seeded random input tensors for a model, Polygraphy-style: the same seed,
/// shapes and ranges give the same tensors on every machine.
///
/// Default value ranges, by element type:
/// - floats: uniform in [-1, 1];
/// - bool: true or false with equal odds;
/// - integers of rank 0 or 1 (lengths such as `speech_lengths: [B]`): uniform in
///   1...S, where S is the largest axis-1 size of the rank ≥ 2 inputs (the
///   sequence length), or 1 when there is none;
/// - integers of rank ≥ 2 (token ids, masks): uniform in 0...1.
///
/// `ranges` overrides these per input (`--valRange speech_lengths:1,16`).
public struct RandomInputs: Sendable {
    public var seed: UInt64
    /// Value range per input name (bounds included).
    public var ranges: [String: ClosedRange<Double>]

    public init(seed: UInt64 = 0, ranges: [String: ClosedRange<Double>] = [:]) {
        self.seed = seed
        self.ranges = ranges
    }

    /// Parses repeated `name:lo,hi` entries (`--valRange ids:0,30000`).
    public static func parseRanges(_ entries: [String]) throws(InputSpecError) -> [String: ClosedRange<Double>] {
        var out: [String: ClosedRange<Double>] = [:]
        for entry in entries {
            let fail = { (r: String) in InputSpecError.syntax(option: "--valRange", entry: entry, reason: r) }
            guard let colon = entry.lastIndex(of: ":") else { throw fail("expected NAME:LO,HI such as lengths:1,16") }
            let name = String(entry[..<colon])
            let bounds = entry[entry.index(after: colon)...].split(separator: ",", omittingEmptySubsequences: false)
            guard !name.isEmpty, bounds.count == 2, let lo = Double(bounds[0]), let hi = Double(bounds[1]),
                  lo.isFinite, hi.isFinite else { throw fail("expected NAME:LO,HI with numbers LO and HI") }
            guard lo <= hi else { throw fail("LO \(lo) is above HI \(hi)") }
            guard out[name] == nil else { throw .duplicateInput(option: "--valRange", input: name) }
            out[name] = lo...hi
        }
        return out
    }

    /// Makes one tensor per input, in input order, with the given concrete shapes.
    public func make(for inputs: [ValueInfo], shapes: [String: [Int]]) throws(InputSpecError) -> [(String, Tensor)] {
        let known = inputs.map(\.name)
        for name in ranges.keys.sorted() where !known.contains(name) {
            throw .unknownInput(option: "--valRange", input: name, inputs: known)
        }
        let sequence = inputs.compactMap { shapes[$0.name] }.filter { $0.count >= 2 }.map { $0[1] }.max() ?? 1
        var generator = SplitMix64(seed: seed)
        var out: [(String, Tensor)] = []
        for info in inputs {
            guard let shape = shapes[info.name] else { throw .unknownShape(input: info.name) }
            let type = info.type?.dataType ?? .float32
            let range = try self.range(for: info.name, type: type, rank: shape.count, sequence: sequence)
            out.append((info.name, try Self.tensor(type, shape: shape, range: range, input: info.name, using: &generator)))
        }
        return out
    }

    private func range(for name: String, type: DataType, rank: Int, sequence: Int) throws(InputSpecError) -> ClosedRange<Double> {
        if let r = ranges[name] {
            if type.isInteger && (r.lowerBound.rounded() != r.lowerBound || r.upperBound.rounded() != r.upperBound) {
                throw .invalidRange(input: name, reason: "\(type) input needs integer bounds, got \(r.lowerBound),\(r.upperBound)")
            }
            return r
        }
        if type.isFloatingPoint { return -1...1 }
        if type == .bool { return 0...1 }
        return rank <= 1 ? 1...Double(max(sequence, 1)) : 0...1
    }

    private static func tensor(_ type: DataType, shape: [Int], range r: ClosedRange<Double>, input: String,
                               using g: inout SplitMix64) throws(InputSpecError) -> Tensor {
        let n = Shapes.count(shape)
        func reals() -> [Double] {
            (0..<n).map { _ in r.lowerBound + (r.upperBound - r.lowerBound) * Double(g.next() >> 11) / Double(1 << 53) }
        }
        func ints<T: FixedWidthInteger>(_: T.Type) throws(InputSpecError) -> [T] {
            guard let lo = T(exactly: r.lowerBound), let hi = T(exactly: r.upperBound) else {
                throw .invalidRange(input: input, reason: "bounds \(r.lowerBound),\(r.upperBound) do not fit \(type)")
            }
            return (0..<n).map { _ in T.random(in: lo...hi, using: &g) }
        }
        let data: TensorData
        switch type {
        case .float32: data = .float32(reals().map { Float($0) })
        case .float64: data = .float64(reals())
        case .float16: data = .float16(reals().map { HalfFloat.floatToFloat16(Float($0)) })
        case .bfloat16: data = .bfloat16(reals().map { HalfFloat.floatToBFloat16(Float($0)) })
        case .bool: data = .bool((0..<n).map { _ in g.next() & 1 == 1 })
        case .int8: data = .int8(try ints(Int8.self))
        case .uint8: data = .uint8(try ints(UInt8.self))
        case .int16: data = .int16(try ints(Int16.self))
        case .uint16: data = .uint16(try ints(UInt16.self))
        case .int32: data = .int32(try ints(Int32.self))
        case .uint32: data = .uint32(try ints(UInt32.self))
        case .int64: data = .int64(try ints(Int64.self))
        case .uint64: data = .uint64(try ints(UInt64.self))
        case .string: throw .unsupportedType(input: input, dataType: type)
        }
        return Tensor(shape: shape, data: data)
    }
}

/// SplitMix64: a small, fast generator with a 64-bit state, good enough for test data.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
