import IR

/// How close a result must be to its reference, NumPy's `allclose` rule:
/// every element satisfies `|out − ref| ≤ atol + rtol · |ref|`.
public struct Tolerance: Sendable, Equatable, Codable {
    public var atol: Double
    public var rtol: Double

    public init(atol: Double = 1e-4, rtol: Double = 1e-3) {
        self.atol = atol
        self.rtol = rtol
    }
}

/// The difference between one tensor and its reference.
///
/// `maxAbs = max |out − ref|`, `maxRel = max |out − ref| / (|ref| + 1e-12)`
/// (over all elements, so it is large where the reference is near zero: the
/// pass/fail rule is ``Tolerance``'s, not `maxRel`), `violations` counts the
/// elements outside the tolerance (a NaN on one side only is one, also
/// counted in `nanMismatches` and left out of `maxAbs`), and
/// `worstIndex` is the flat index of the largest excess over the tolerance.
public struct ErrorStats: Sendable, Equatable, Codable {
    public var count: Int
    public var maxAbs: Double
    public var maxRel: Double
    public var violations: Int
    public var nanMismatches: Int
    public var worstIndex: Int?

    /// True when no element is outside the tolerance.
    public var passed: Bool { violations == 0 }

    /// Compares `output` with `reference` element by element; integer and bool
    /// tensors compare exactly. Throws when dtypes or shapes differ.
    public static func compare(_ output: Tensor, _ reference: Tensor, name: String,
                               tolerance: Tolerance) throws -> ErrorStats {
        guard output.dataType == reference.dataType else {
            throw DebugError.mismatch(tensor: name, reason: "dtype \(output.dataType) vs reference \(reference.dataType)")
        }
        guard output.shape == reference.shape else {
            throw DebugError.mismatch(tensor: name, reason: "shape \(output.shape) vs reference \(reference.shape)")
        }
        let exact = !output.dataType.isFloatingPoint
        let t = exact ? Tolerance(atol: 0, rtol: 0) : tolerance
        guard let a = output.doubleValues(), let b = reference.doubleValues() else {
            throw DebugError.mismatch(tensor: name, reason: "\(output.dataType) tensors cannot be compared")
        }
        var stats = ErrorStats(count: a.count, maxAbs: 0, maxRel: 0, violations: 0, nanMismatches: 0, worstIndex: nil)
        var worstExcess = -Double.infinity
        for i in a.indices {
            let x = a[i], r = b[i]
            if x.isNaN || r.isNaN {
                if x.isNaN != r.isNaN { stats.record(i, excess: .infinity, &worstExcess); stats.nanMismatches += 1 }
                continue
            }
            let d = x == r ? 0 : abs(x - r)  // equal infinities differ by 0
            stats.maxAbs = Swift.max(stats.maxAbs, d)
            stats.maxRel = Swift.max(stats.maxRel, d / (abs(r) + 1e-12))
            let excess = d - (t.atol + t.rtol * abs(r))
            if excess > 0 || d.isNaN { stats.record(i, excess: d.isNaN ? .infinity : excess, &worstExcess) }
        }
        return stats
    }

    private mutating func record(_ i: Int, excess: Double, _ worst: inout Double) {
        violations += 1
        if excess > worst { worst = excess; worstIndex = i }
    }
}

extension ErrorStats {
    /// The element `index` of `shape` as `[b, t, c]`.
    public static func position(_ index: Int, in shape: [Int]) -> [Int] {
        var rest = index
        var out = [Int](repeating: 0, count: shape.count)
        for d in shape.indices.reversed() where shape[d] > 0 {
            out[d] = rest % shape[d]
            rest /= shape[d]
        }
        return out
    }
}
