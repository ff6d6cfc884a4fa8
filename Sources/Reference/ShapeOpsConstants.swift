import IR

extension ShapeOps {
    /// Pad: `pads` = `[b_0, ..., b_n, e_0, ..., e_n]` elements before and after
    /// each axis (negative crops). Before opset 11 `pads` and `value` are
    /// attributes; from 11 they are inputs 1 and 2, and from 18 input 3 picks
    /// the axes. Modes: `constant` (the value, default 0), `edge` (nearest
    /// element), `reflect` (mirror without repeating the edge), `wrap` (periodic).
    static func pad(_ ctx: NodeContext) throws -> Tensor {
        let x = try ctx.input(0)
        let mode = try ctx.node.string("mode") ?? "constant"
        guard ["constant", "edge", "reflect", "wrap"].contains(mode) else { throw ctx.fail("unknown pad mode '\(mode)'") }
        var pads: [Int]
        var fill = Tensor.zeros(x.dataType, shape: [1])
        var axes = Array(0..<x.rank)
        if ctx.opset < 11 {
            pads = try ctx.node.required("pads") { try ctx.node.ints($0) }
            if let v = try ctx.node.float("value") { fill = try Elementwise.convert(Tensor([v], shape: [1]), to: x.dataType, ctx) }
        } else {
            guard let p = try TensorOps.intsInput(ctx, 1, what: "pads") else { throw ctx.fail("pads are missing") }
            pads = p
            if let v = ctx.optionalInput(2) {
                guard v.count == 1, v.dataType == x.dataType else {
                    throw ctx.fail("constant_value must be one \(x.dataType) value, got \(v.dataType)\(v.shape)")
                }
                fill = v.reshaped([1])
            }
            if ctx.opset >= 18, let a = try TensorOps.intsInput(ctx, 3, what: "axes") {
                axes = try TensorOps.normalizedAxes(a, rank: x.rank, ctx)
            }
        }
        guard pads.count == 2 * axes.count else {
            throw ctx.fail("pads has \(pads.count) values, expected \(2 * axes.count)")
        }
        var before = [Int](repeating: 0, count: x.rank), after = before
        for (k, a) in axes.enumerated() {
            before[a] = pads[k]
            after[a] = pads[k + axes.count]
        }
        var outShape: [Int] = []
        for a in 0..<x.rank {
            let d = x.shape[a]
            let (partial, o1) = d.addingReportingOverflow(before[a])
            let (outDim, o2) = partial.addingReportingOverflow(after[a])
            guard !o1, !o2, outDim >= 0 else { throw ctx.fail("pads \(pads) give a negative size on axis \(a)") }
            if d == 0 && outDim > 0 && mode != "constant" {
                throw ctx.fail("\(mode) padding needs a non-empty axis \(a)")
            }
            outShape.append(outDim)
        }
        _ = try TensorOps.checkedCount(outShape, ctx)
        let strides = Shapes.strides(x.shape)
        let perAxis = try (0..<x.rank).map { a in
            try (0..<outShape[a]).map { c in
                let (offset, overflow) = c.subtractingReportingOverflow(before[a])
                if overflow { throw ctx.fail("pads \(pads) overflow on axis \(a)") }
                let s = padSource(offset, size: x.shape[a], mode: mode)
                return s < 0 ? -1 : s * strides[a]
            }
        }
        guard let withFill = TensorData.concatenating([x.data, fill.data]) else { throw ctx.fail("internal: dtype mismatch") }
        let source = TensorOps.combine(perAxis).map { $0 < 0 ? x.count : $0 }
        return Tensor(shape: outShape, data: withFill.gathering(source))
    }

    /// The source coordinate of padded coordinate `s` (relative to the
    /// original start) along an axis of `size`, or -1 for the constant value.
    private static func padSource(_ s: Int, size: Int, mode: String) -> Int {
        if s >= 0 && s < size { return s }
        switch mode {
        case "edge": return s < 0 ? 0 : size - 1
        case "wrap": return ((s % size) + size) % size
        case "reflect":
            guard size > 1 else { return 0 }
            let period = 2 * (size - 1)
            let m = s.magnitude % UInt(period)
            return Int(m) < size ? Int(m) : period - Int(m)
        default: return -1
        }
    }

    /// Range: `start + i * delta` for `i` in `0..<max(ceil((limit - start) / delta), 0)`.
    static func range(_ ctx: NodeContext) throws -> Tensor {
        let start = try ctx.input(0), limit = try ctx.input(1), delta = try ctx.input(2)
        let type = start.dataType
        guard limit.dataType == type, delta.dataType == type, [start, limit, delta].allSatisfy({ $0.count == 1 }) else {
            throw ctx.fail("start, limit and delta must be single values of one dtype")
        }
        if type.isFloatingPoint {
            guard let s = start.doubleValues()?[0], let l = limit.doubleValues()?[0], let d = delta.doubleValues()?[0] else {
                throw ctx.fail("unreadable range bounds")
            }
            guard d != 0, s.isFinite, l.isFinite, d.isFinite else { throw ctx.fail("range needs finite bounds and a non-zero delta") }
            let n = Swift.max((l - s) / d, 0).rounded(.up)
            guard n <= Double(TensorOps.maxElements) else { throw ctx.fail("range has more than \(TensorOps.maxElements) elements") }
            let values = (0..<Int(n)).map { s + Double($0) * d }
            return try Elementwise.convert(Tensor(shape: [values.count], data: .float64(values)), to: type, ctx)
        }
        guard type.isInteger, let s = start.intValues()?[0], let l = limit.intValues()?[0], let d = delta.intValues()?[0] else {
            throw ctx.fail("Range does not support \(type) inputs")
        }
        guard d != 0 else { throw ctx.fail("range delta is 0") }
        // count = ceil((l - s) / d), exactly, in integers.
        let (span, overflow) = l.subtractingReportingOverflow(s)
        let (quotient, overflow2) = span.dividedReportingOverflow(by: d)
        guard !overflow, !overflow2 else { throw ctx.fail("range span overflows") }
        let remainder = span - quotient * d
        let count = Swift.max(quotient + (remainder != 0 && (remainder > 0) == (d > 0) ? 1 : 0), 0)
        guard count <= TensorOps.maxElements else { throw ctx.fail("range has more than \(TensorOps.maxElements) elements") }
        let values = (0..<count).map { Int64(s &+ $0 &* d) }
        return try Elementwise.convert(Tensor(values, shape: [count]), to: type, ctx)
    }

    /// ConstantOfShape: a tensor of the shape input filled with the one-element
    /// `value` attribute (default float32 0).
    static func constantOfShape(_ ctx: NodeContext) throws -> Tensor {
        guard let shape = try TensorOps.intsInput(ctx, 0, what: "shape") else { throw ctx.fail("shape is missing") }
        let count = try TensorOps.checkedCount(shape, ctx)
        let value = try ctx.node.tensor("value") ?? Tensor([Float(0)], shape: [1])
        guard value.count == 1 else { throw ctx.fail("value must hold one element, got \(value.count)") }
        return Tensor(shape: shape, data: value.data.gathering([Int](repeating: 0, count: count)))
    }

    /// Constant: the `value` tensor, or `value_float(s)`, `value_int(s)`, `value_string(s)`.
    static func constant(_ ctx: NodeContext) throws -> Tensor {
        let node = ctx.node
        if let t = try node.tensor("value") { return t }
        if let v = try node.float("value_float") { return Tensor(scalar: v) }
        if let v = try node.floats("value_floats") { return Tensor(v, shape: [v.count]) }
        if let v = try node.int("value_int") { return Tensor(scalar: Int64(v)) }
        if let v = try node.ints("value_ints") { return Tensor(v.map { Int64($0) }, shape: [v.count]) }
        if let v = try node.string("value_string") { return Tensor(shape: [], data: .string([v])) }
        if let v = try node.strings("value_strings") { return Tensor(shape: [v.count], data: .string(v)) }
        if node.attributes["sparse_value"] != nil { throw ctx.fail("sparse_value constants are not supported") }
        throw ctx.fail("has no value attribute")
    }
}
