import IR

/// Compares a computed tensor with an expected one the way the ONNX backend
/// test runner does (`numpy.testing.assert_allclose`):
///
/// - dtypes and shapes must be equal;
/// - floating-point elements pass when |a − e| ≤ atol + rtol·|e|, NaN equals NaN
///   and an infinity equals only the same infinity;
/// - integer, bool and string elements must be equal exactly.
enum TensorComparison {
    /// nil when `actual` matches `expected`, else a one-line reason.
    static func mismatch(_ actual: Tensor, _ expected: Tensor, rtol: Double, atol: Double) -> String? {
        if actual.dataType != expected.dataType {
            return "dtype \(actual.dataType), expected \(expected.dataType)"
        }
        if actual.shape != expected.shape {
            return "shape \(actual.shape), expected \(expected.shape)"
        }
        switch (actual.data, expected.data) {
        case (.float32(let a), .float32(let e)):
            return close(a.map(Double.init), e.map(Double.init), expected.shape, rtol, atol)
        case (.float64(let a), .float64(let e)):
            return close(a, e, expected.shape, rtol, atol)
        case (.float16(let a), .float16(let e)):
            return close(a.map { Double(HalfFloat.float16ToFloat($0)) },
                         e.map { Double(HalfFloat.float16ToFloat($0)) }, expected.shape, rtol, atol)
        case (.bfloat16(let a), .bfloat16(let e)):
            return close(a.map { Double(HalfFloat.bfloat16ToFloat($0)) },
                         e.map { Double(HalfFloat.bfloat16ToFloat($0)) }, expected.shape, rtol, atol)
        case (.int8(let a), .int8(let e)): return exact(a, e, expected.shape)
        case (.uint8(let a), .uint8(let e)): return exact(a, e, expected.shape)
        case (.int16(let a), .int16(let e)): return exact(a, e, expected.shape)
        case (.uint16(let a), .uint16(let e)): return exact(a, e, expected.shape)
        case (.int32(let a), .int32(let e)): return exact(a, e, expected.shape)
        case (.uint32(let a), .uint32(let e)): return exact(a, e, expected.shape)
        case (.int64(let a), .int64(let e)): return exact(a, e, expected.shape)
        case (.uint64(let a), .uint64(let e)): return exact(a, e, expected.shape)
        case (.bool(let a), .bool(let e)): return exact(a, e, expected.shape)
        case (.string(let a), .string(let e)): return exact(a, e, expected.shape)
        default:
            return "storage \(actual.data.dataType) does not match \(expected.data.dataType)"
        }
    }

    /// True when `a` is within `atol + rtol·|e|` of `e` (NaNs equal, infinities exact).
    static func isClose(_ a: Double, _ e: Double, rtol: Double, atol: Double) -> Bool {
        if a.isNaN || e.isNaN { return a.isNaN && e.isNaN }
        if a.isInfinite || e.isInfinite { return a == e }
        return abs(a - e) <= atol + rtol * abs(e)
    }

    private static func close(_ a: [Double], _ e: [Double], _ shape: [Int],
                              _ rtol: Double, _ atol: Double) -> String? {
        var bad = 0
        var first = -1
        var worst = 0.0
        for i in 0..<e.count where !isClose(a[i], e[i], rtol: rtol, atol: atol) {
            bad += 1
            if first < 0 { first = i }
            let d = abs(a[i] - e[i])
            if d.isNaN || d > worst { worst = d.isNaN ? .infinity : d }
        }
        guard bad > 0 else { return nil }
        return "\(bad)/\(e.count) elements differ beyond atol \(atol) + rtol \(rtol)·|expected|; "
            + "first at \(index(first, shape)): got \(a[first]), expected \(e[first]); max |diff| \(worst)"
    }

    private static func exact<T: Equatable>(_ a: [T], _ e: [T], _ shape: [Int]) -> String? {
        var bad = 0
        var first = -1
        for i in 0..<e.count where a[i] != e[i] {
            bad += 1
            if first < 0 { first = i }
        }
        guard bad > 0 else { return nil }
        return "\(bad)/\(e.count) elements differ (exact comparison); "
            + "first at \(index(first, shape)): got \(a[first]), expected \(e[first])"
    }

    /// The multi-index of flat position `flat` in a row-major `shape`.
    static func index(_ flat: Int, _ shape: [Int]) -> [Int] {
        var rest = flat
        var result = [Int](repeating: 0, count: shape.count)
        for axis in stride(from: shape.count - 1, through: 0, by: -1) where shape[axis] > 0 {
            result[axis] = rest % shape[axis]
            rest /= shape[axis]
        }
        return result
    }
}
