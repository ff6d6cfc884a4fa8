/// Summary statistics of a tensor's values, as Polygraphy prints them.
///
/// Over the finite values x₁…xₙ: mean = Σxᵢ/n, std = √(Σ(xᵢ−mean)²/n)
/// (population, NumPy's default `ddof=0`), min and max. NaNs and infinities
/// are counted apart; all four are nil when no value is finite.
public struct TensorStatistics: Sendable, Equatable, Codable {
    public var count: Int
    public var mean: Double?
    public var std: Double?
    public var min: Double?
    public var max: Double?
    public var nanCount: Int
    public var infinityCount: Int
}

extension Tensor {
    /// The tensor's statistics, or nil for string tensors.
    public func statistics() -> TensorStatistics? {
        guard let values = doubleValues() else { return nil }
        var sum = 0.0, n = 0, nans = 0, infs = 0
        var lo = Double.infinity, hi = -Double.infinity
        for v in values {
            if v.isNaN { nans += 1; continue }
            if v.isInfinite { infs += 1; continue }
            sum += v
            n += 1
            lo = Swift.min(lo, v)
            hi = Swift.max(hi, v)
        }
        guard n > 0 else {
            return TensorStatistics(count: values.count, nanCount: nans, infinityCount: infs)
        }
        let mean = sum / Double(n)
        var squares = 0.0
        for v in values where v.isFinite { squares += (v - mean) * (v - mean) }
        return TensorStatistics(count: values.count, mean: mean, std: (squares / Double(n)).squareRoot(),
                                min: lo, max: hi, nanCount: nans, infinityCount: infs)
    }
}
