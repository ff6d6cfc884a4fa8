import IR

/// Reference kernels for elementwise ops: binary and variadic ops with NumPy
/// broadcasting (``BroadcastLayout``), Where, Clip and inference Dropout.
/// Unary ops are in `ElementwiseUnary.swift`, Cast in `ElementwiseCast.swift`.
///
/// float16 and bfloat16 inputs are computed in float32 and rounded back.
enum Elementwise {
    /// Add, Sub, Mul, Div, Pow, Mod, the comparisons, And, Or, Xor.
    static func binary(_ op: Op, _ ctx: NodeContext) throws -> Tensor {
        let a = try ctx.input(0), b = try ctx.input(1)
        guard let layout = BroadcastLayout([a.shape, b.shape]) else {
            throw ctx.fail("input shapes \(a.shape) and \(b.shape) do not broadcast")
        }
        switch op {
        case .and, .or, .xor: return try logical(op, a, b, layout, ctx)
        case .pow: return try power(a, b, layout, ctx)
        default: break
        }
        guard a.dataType == b.dataType else {
            throw ctx.fail("input dtypes differ: \(a.dataType) and \(b.dataType)")
        }
        if Op.comparisons.contains(op) { return try compare(op, a, b, layout, ctx) }
        let fmod = op == .mod ? (try ctx.node.int("fmod") ?? 0) != 0 : false
        return try arithmetic(op, a, b, layout, fmod: fmod, ctx)
    }

    /// Min and Max over 1...N inputs, broadcast together.
    static func variadic(_ op: Op, _ ctx: NodeContext) throws -> Tensor {
        let inputs = ctx.inputs.compactMap { $0 }
        guard var result = inputs.first else { throw ctx.fail("needs at least one input") }
        if inputs.count == 1 {
            guard result.dataType.isFloatingPoint || result.dataType.isInteger else {
                throw ctx.fail("\(op.rawValue) does not support \(result.dataType) inputs")
            }
        }
        for next in inputs.dropFirst() {
            guard next.dataType == result.dataType else {
                throw ctx.fail("input dtypes differ: \(result.dataType) and \(next.dataType)")
            }
            guard let layout = BroadcastLayout([result.shape, next.shape]) else {
                throw ctx.fail("input shapes \(result.shape) and \(next.shape) do not broadcast")
            }
            result = try arithmetic(op, result, next, layout, fmod: false, ctx)
        }
        return result
    }

    /// `condition ? x : y`, the three inputs broadcast together; any dtype.
    static func `where`(_ ctx: NodeContext) throws -> Tensor {
        let c = try ctx.input(0), x = try ctx.input(1), y = try ctx.input(2)
        guard case .bool(let condition) = c.data else {
            throw ctx.fail("condition must be bool, got \(c.dataType)")
        }
        guard x.dataType == y.dataType, let both = TensorData.concatenating([x.data, y.data]) else {
            throw ctx.fail("X and Y dtypes differ: \(x.dataType) and \(y.dataType)")
        }
        guard let layout = BroadcastLayout([c.shape, x.shape, y.shape]) else {
            throw ctx.fail("shapes \(c.shape), \(x.shape) and \(y.shape) do not broadcast")
        }
        let ic = layout.sourceIndices(of: 0), ix = layout.sourceIndices(of: 1), iy = layout.sourceIndices(of: 2)
        let yBase = x.count
        var pick = [Int](repeating: 0, count: layout.count)
        for i in 0..<layout.count { pick[i] = condition[ic[i]] ? ix[i] : yBase + iy[i] }
        return Tensor(shape: layout.shape, data: both.gathering(pick))
    }

    /// `min(max(x, lo), hi)`: bounds from the `min`/`max` attributes before
    /// opset 11, from optional scalar inputs 1 and 2 after. A lower bound above
    /// the upper one gives the upper bound everywhere.
    static func clip(_ ctx: NodeContext) throws -> Tensor {
        let x = try ctx.input(0)
        var bounds: [Tensor?] = [nil, nil]
        if ctx.opset < 11 {
            let lo = try ctx.node.float("min") ?? -Float.greatestFiniteMagnitude
            let hi = try ctx.node.float("max") ?? Float.greatestFiniteMagnitude
            bounds = [try convert(Tensor(scalar: lo), to: x.dataType, ctx),
                      try convert(Tensor(scalar: hi), to: x.dataType, ctx)]
        } else {
            for (k, name) in [(1, "min"), (2, "max")] {
                guard let t = ctx.optionalInput(k) else { continue }
                guard t.count == 1, t.dataType == x.dataType else {
                    throw ctx.fail("\(name) must be one \(x.dataType) value, got \(t.dataType)\(t.shape)")
                }
                bounds[k - 1] = t
            }
        }
        let kernel = ClipKernel(x: x.decodingHalf.data, lo: bounds[0]?.decodingHalf.data,
                                hi: bounds[1]?.decodingHalf.data)
        guard let data = numericDispatch(x.decodingHalf.dataType, kernel) else {
            throw ctx.fail("Clip does not support \(x.dataType) inputs")
        }
        return Tensor(shape: x.shape, data: data).encodingHalf(as: x.dataType)
    }

    /// Inference Dropout: the output is the input and the optional mask is all
    /// true. The ratio is an attribute before opset 12 and input 1 after;
    /// training mode (input 2) is supported only with ratio 0.
    static func dropout(_ ctx: NodeContext) throws -> [Tensor] {
        let x = try ctx.input(0)
        var ratio: Float = 0.5
        var training = false
        if ctx.opset < 12 {
            ratio = try ctx.node.float("ratio") ?? 0.5
        } else {
            if let r = ctx.optionalInput(1) {
                guard let v = r.floatValues(), v.count == 1, r.dataType.isFloatingPoint else {
                    throw ctx.fail("ratio must be one floating-point value, got \(r.dataType)\(r.shape)")
                }
                ratio = v[0]
            }
            if let t = ctx.optionalInput(2) {
                guard case .bool(let v) = t.data, v.count == 1 else {
                    throw ctx.fail("training_mode must be one bool, got \(t.dataType)\(t.shape)")
                }
                training = v[0]
            }
        }
        if training && ratio != 0 {
            throw ctx.fail("training_mode=true (ratio \(ratio)) is not supported: the reference executor runs inference only")
        }
        return [x, Tensor(shape: x.shape, data: .bool(.init(repeating: true, count: x.count)))]
    }

    // MARK: Binary kernels

    static func arithmetic(_ op: Op, _ a: Tensor, _ b: Tensor, _ layout: BroadcastLayout,
                           fmod: Bool, _ ctx: NodeContext) throws -> Tensor {
        let x = a.decodingHalf, y = b.decodingHalf
        let kernel = Arithmetic(op: op, a: x.data, b: y.data, layout: layout, fmod: fmod)
        guard let data = numericDispatch(x.dataType, kernel) else {
            throw ctx.fail("\(op.rawValue) does not support \(a.dataType) inputs")
        }
        return Tensor(shape: layout.shape, data: data).encodingHalf(as: a.dataType)
    }

    private static func compare(_ op: Op, _ a: Tensor, _ b: Tensor, _ layout: BroadcastLayout,
                                _ ctx: NodeContext) throws -> Tensor {
        let result: [Bool]?
        switch (a.data, b.data) {
        case let (.bool(x), .bool(y)) where op == .equal: result = layout.map(x, y) { $0 == $1 }
        case let (.string(x), .string(y)): result = compareValues(op, x, y, layout)
        default:
            let kernel = Compare(op: op, a: a.decodingHalf.data, b: b.decodingHalf.data, layout: layout)
            if case .bool(let r)? = numericDispatch(a.decodingHalf.dataType, kernel) { result = r } else { result = nil }
        }
        guard let values = result else { throw ctx.fail("\(op.rawValue) does not support \(a.dataType) inputs") }
        return Tensor(shape: layout.shape, data: .bool(values))
    }

    private static func logical(_ op: Op, _ a: Tensor, _ b: Tensor, _ layout: BroadcastLayout,
                                _ ctx: NodeContext) throws -> Tensor {
        guard case .bool(let x) = a.data, case .bool(let y) = b.data else {
            throw ctx.fail("\(op.rawValue) needs bool inputs, got \(a.dataType) and \(b.dataType)")
        }
        let values: [Bool]
        switch op {
        case .and: values = layout.map(x, y) { $0 && $1 }
        case .or: values = layout.map(x, y) { $0 || $1 }
        default: values = layout.map(x, y) { $0 != $1 }
        }
        return Tensor(shape: layout.shape, data: .bool(values))
    }

    /// Pow: the base's dtype is the output's; the exponent may be any numeric type.
    private static func power(_ a: Tensor, _ b: Tensor, _ layout: BroadcastLayout,
                              _ ctx: NodeContext) throws -> Tensor {
        guard b.dataType != .bool, let exponent = b.doubleValues() else {
            throw ctx.fail("Pow exponent must be numeric, got \(b.dataType)")
        }
        let x = a.decodingHalf
        guard let data = numericDispatch(x.dataType, PowKernel(a: x.data, b: exponent, layout: layout)) else {
            throw ctx.fail("Pow does not support a \(a.dataType) base")
        }
        return Tensor(shape: layout.shape, data: data).encodingHalf(as: a.dataType)
    }
}

func compareValues<T: Comparable>(_ op: Op, _ x: [T], _ y: [T], _ layout: BroadcastLayout) -> [Bool]? {
    switch op {
    case .equal: return layout.map(x, y) { $0 == $1 }
    case .less: return layout.map(x, y) { $0 < $1 }
    case .lessOrEqual: return layout.map(x, y) { $0 <= $1 }
    case .greater: return layout.map(x, y) { $0 > $1 }
    case .greaterOrEqual: return layout.map(x, y) { $0 >= $1 }
    default: return nil
    }
}

private struct Arithmetic: NumericKernel {
    let op: Op, a: TensorData, b: TensorData, layout: BroadcastLayout, fmod: Bool

    func run<T: NumericElement>(_: T.Type) -> TensorData? {
        guard let x = T.unwrap(a), let y = T.unwrap(b) else { return nil }
        switch op {
        case .add: return T.wrap(layout.map(x, y) { T.plus($0, $1) })
        case .sub: return T.wrap(layout.map(x, y) { T.minus($0, $1) })
        case .mul: return T.wrap(layout.map(x, y) { T.times($0, $1) })
        case .div: return T.wrap(layout.map(x, y) { T.quotient($0, $1) })
        case .mod:
            return fmod ? T.wrap(layout.map(x, y) { T.modulo($0, $1, fmod: true) })
                        : T.wrap(layout.map(x, y) { T.modulo($0, $1, fmod: false) })
        case .min: return T.wrap(layout.map(x, y) { T.minimum($0, $1) })
        case .max: return T.wrap(layout.map(x, y) { T.maximum($0, $1) })
        default: return nil
        }
    }
}

private struct Compare: NumericKernel {
    let op: Op, a: TensorData, b: TensorData, layout: BroadcastLayout

    func run<T: NumericElement>(_: T.Type) -> TensorData? {
        guard let x = T.unwrap(a), let y = T.unwrap(b) else { return nil }
        return compareValues(op, x, y, layout).map { .bool($0) }
    }
}

private struct PowKernel: NumericKernel {
    let a: TensorData, b: [Double], layout: BroadcastLayout

    func run<T: NumericElement>(_: T.Type) -> TensorData? {
        guard let x = T.unwrap(a) else { return nil }
        return T.wrap(layout.map(x, b) { T.power($0, $1) })
    }
}

private struct ClipKernel: NumericKernel {
    let x: TensorData, lo: TensorData?, hi: TensorData?

    func run<T: NumericElement>(_: T.Type) -> TensorData? {
        guard let values = T.unwrap(x) else { return nil }
        let low = lo.flatMap { T.unwrap($0)?.first }, high = hi.flatMap { T.unwrap($0)?.first }
        return T.wrap(values.map { v in
            var r = v
            if let low, r < low { r = low }
            if let high, r > high { r = high }
            return r
        })
    }
}
