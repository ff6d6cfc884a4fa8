import IR

// Dtype-generic data movement on `TensorData`.
//
// Every shape op (Transpose, Slice, Gather, Expand, Tile, Pad, Concat, Split,
// Where, ...) reduces to one primitive: build the list of source element
// indices for each output element, then gather. These two functions are the
// only places that switch over every storage case.

extension TensorData {
    /// The elements at `indices`, in order: `result[i] = self[indices[i]]`.
    ///
    /// Callers build `indices` from validated shapes, so every index is in range.
    func gathering(_ indices: [Int]) -> TensorData {
        func pick<T>(_ a: [T]) -> [T] {
            [T](unsafeUninitializedCapacity: indices.count) { out, done in
                done = 0
                guard let base = out.baseAddress else { return }
                a.withUnsafeBufferPointer { src in
                    for (i, j) in indices.enumerated() { (base + i).initialize(to: src[j]) }
                }
                done = indices.count
            }
        }
        switch self {
        case .float32(let a): return .float32(pick(a))
        case .float64(let a): return .float64(pick(a))
        case .float16(let a): return .float16(pick(a))
        case .bfloat16(let a): return .bfloat16(pick(a))
        case .int8(let a): return .int8(pick(a))
        case .uint8(let a): return .uint8(pick(a))
        case .int16(let a): return .int16(pick(a))
        case .uint16(let a): return .uint16(pick(a))
        case .int32(let a): return .int32(pick(a))
        case .uint32(let a): return .uint32(pick(a))
        case .int64(let a): return .int64(pick(a))
        case .uint64(let a): return .uint64(pick(a))
        case .bool(let a): return .bool(pick(a))
        case .string(let a): return .string(pick(a))
        }
    }

    /// The parts' elements one after another, or nil when the parts differ in
    /// dtype (or there are none).
    static func concatenating(_ parts: [TensorData]) -> TensorData? {
        guard let first = parts.first else { return nil }
        func cat<T>(_ unwrap: (TensorData) -> [T]?) -> [T]? {
            var out: [T] = []
            out.reserveCapacity(parts.reduce(0) { $0 + $1.count })
            for p in parts {
                guard let a = unwrap(p) else { return nil }
                out.append(contentsOf: a)
            }
            return out
        }
        switch first {
        case .float32: return cat { if case .float32(let a) = $0 { a } else { nil } }.map { .float32($0) }
        case .float64: return cat { if case .float64(let a) = $0 { a } else { nil } }.map { .float64($0) }
        case .float16: return cat { if case .float16(let a) = $0 { a } else { nil } }.map { .float16($0) }
        case .bfloat16: return cat { if case .bfloat16(let a) = $0 { a } else { nil } }.map { .bfloat16($0) }
        case .int8: return cat { if case .int8(let a) = $0 { a } else { nil } }.map { .int8($0) }
        case .uint8: return cat { if case .uint8(let a) = $0 { a } else { nil } }.map { .uint8($0) }
        case .int16: return cat { if case .int16(let a) = $0 { a } else { nil } }.map { .int16($0) }
        case .uint16: return cat { if case .uint16(let a) = $0 { a } else { nil } }.map { .uint16($0) }
        case .int32: return cat { if case .int32(let a) = $0 { a } else { nil } }.map { .int32($0) }
        case .uint32: return cat { if case .uint32(let a) = $0 { a } else { nil } }.map { .uint32($0) }
        case .int64: return cat { if case .int64(let a) = $0 { a } else { nil } }.map { .int64($0) }
        case .uint64: return cat { if case .uint64(let a) = $0 { a } else { nil } }.map { .uint64($0) }
        case .bool: return cat { if case .bool(let a) = $0 { a } else { nil } }.map { .bool($0) }
        case .string: return cat { if case .string(let a) = $0 { a } else { nil } }.map { .string($0) }
        }
    }
}

/// Index arithmetic shared by the shape ops.
enum TensorOps {
    /// Largest element count a reference op will allocate (2^32): a hostile
    /// shape input fails with a clear error instead of exhausting memory.
    static let maxElements = 1 << 32

    /// The element count of `shape`, or a kernel error when a dim is negative
    /// or the count exceeds ``maxElements``.
    static func checkedCount(_ shape: [Int], _ ctx: NodeContext, what: String = "output") throws -> Int {
        var n = 1
        for d in shape {
            guard d >= 0 else { throw ctx.fail("\(what) shape \(shape) has a negative dim") }
            let (p, overflow) = n.multipliedReportingOverflow(by: d)
            guard !overflow, p <= maxElements else {
                throw ctx.fail("\(what) shape \(shape) has more than \(maxElements) elements")
            }
            n = p
        }
        return n
    }

    /// Source indices of an output built axis by axis: output element
    /// `(i0, i1, ...)` reads source element `perAxis[0][i0] + perAxis[1][i1] + ...`,
    /// and any negative term marks the element as padding (index -1).
    ///
    /// Transpose, Slice, Expand, Tile and Pad are each one choice of `perAxis`
    /// (a coordinate map already multiplied by the source stride).
    static func combine(_ perAxis: [[Int]]) -> [Int] {
        let shape = perAxis.map(\.count)
        let total = Shapes.count(shape)
        guard total > 0 else { return [] }
        guard let innerAxis = perAxis.last else { return [0] }
        var result = [Int]()
        result.reserveCapacity(total)
        let outer = Array(perAxis.dropLast())
        var index = [Int](repeating: 0, count: outer.count)
        while true {
            var base = 0
            var padding = false
            for (d, i) in index.enumerated() {
                let term = outer[d][i]
                if term < 0 { padding = true }
                base += term
            }
            if padding {
                result.append(contentsOf: repeatElement(-1, count: innerAxis.count))
            } else {
                for term in innerAxis { result.append(term < 0 ? -1 : base + term) }
            }
            var d = outer.count - 1
            while d >= 0 {
                index[d] += 1
                if index[d] < outer[d].count { break }
                index[d] = 0
                d -= 1
            }
            if d < 0 { return result }
        }
    }

    /// Integer values of a shape-like input (int32 or int64), or nil when absent.
    static func intsInput(_ ctx: NodeContext, _ i: Int, what: String) throws -> [Int]? {
        guard let t = ctx.optionalInput(i) else { return nil }
        switch t.data {
        case .int64(let a): return a.map { Int($0) }
        case .int32(let a): return a.map { Int($0) }
        default: throw ctx.fail("\(what) must be int32 or int64, got \(t.dataType)")
        }
    }

    /// A rank-0 or one-element input as an integer, or nil when absent.
    static func scalarIntInput(_ ctx: NodeContext, _ i: Int, what: String) throws -> Int? {
        guard let values = try intsInput(ctx, i, what: what) else { return nil }
        guard values.count == 1 else { throw ctx.fail("\(what) must hold one value, got \(values.count)") }
        return values[0]
    }

    /// Axes from the `axes` attribute (before `since`) or input `input` (from
    /// `since`), or nil when neither is given.
    static func axes(_ ctx: NodeContext, input: Int, since: Int) throws -> [Int]? {
        if ctx.opset < since, let attr = try ctx.node.ints("axes") { return attr }
        return try intsInput(ctx, input, what: "axes")
    }

    /// Normalizes `axes` against `rank`: each in `[-rank, rank)`, no repeats.
    static func normalizedAxes(_ axes: [Int], rank: Int, _ ctx: NodeContext) throws -> [Int] {
        var seen = Set<Int>()
        return try axes.map { a in
            guard a >= -rank && a < rank else { throw ctx.fail("axis \(a) is out of range for rank \(rank)") }
            let n = a < 0 ? a + rank : a
            guard seen.insert(n).inserted else { throw ctx.fail("axis \(a) is repeated in \(axes)") }
            return n
        }
    }

    /// Normalizes a single `axis` attribute value against `rank`.
    static func normalizedAxis(_ axis: Int, rank: Int, _ ctx: NodeContext) throws -> Int {
        guard axis >= -rank && axis < rank else {
            throw ctx.fail("axis \(axis) is out of range for rank \(rank)")
        }
        return axis < 0 ? axis + rank : axis
    }
}
