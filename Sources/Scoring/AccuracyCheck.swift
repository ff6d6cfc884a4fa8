import IR

/// The accuracy numbers of testEncoderAndDecoder.py's `check()`:
/// the max absolute difference and the median relative difference
/// `median(|out - ref| / (|ref| + epsilon))` over all elements.
public struct AccuracyCheck: Sendable, Equatable, Codable {
    public var maxAbsolute: Double
    public var medianRelative: Double

    public init(maxAbsolute: Double, medianRelative: Double) {
        self.maxAbsolute = maxAbsolute
        self.medianRelative = medianRelative
    }

    /// Compares `output` against `reference` elementwise; both must have the same count.
    /// A NaN anywhere makes both numbers NaN (NumPy's max and median propagate NaN), which
    /// every threshold then rejects.
    public static func compare(_ output: [Double], _ reference: [Double], epsilon: Double) -> AccuracyCheck {
        precondition(output.count == reference.count, "compare: counts differ")
        if output.isEmpty { return AccuracyCheck(maxAbsolute: 0, medianRelative: 0) }
        var maxAbs = 0.0
        var relative = [Double](repeating: 0, count: output.count)
        var sawNaN = false
        for i in 0..<output.count {
            let d = abs(output[i] - reference[i])
            if d.isNaN { sawNaN = true; continue }
            maxAbs = max(maxAbs, d)
            relative[i] = d / (abs(reference[i]) + epsilon)
        }
        if sawNaN { return AccuracyCheck(maxAbsolute: .nan, medianRelative: .nan) }
        return AccuracyCheck(maxAbsolute: maxAbs, medianRelative: median(&relative))
    }

    /// NumPy's median: the middle element, or the mean of the two middle ones.
    static func median(_ values: inout [Double]) -> Double {
        values.sort()
        let n = values.count
        return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2
    }
}

/// The hackathon's pass rule and the epsilons of its relative errors.
public struct ScoreThresholds: Sendable, Equatable, Codable {
    /// Output 0 must have max |diff| below this (3.5e-2).
    public var maxAbsolute0 = 3.5e-2
    /// Output 0 must have median relative diff below this (2e-3).
    public var medianRelative0 = 2e-3
    /// Output 1 must have median relative diff below this (1e-1).
    public var medianRelative1 = 1e-1
    /// Epsilon in output 0's relative-error denominator: `check(..., True, 5e-5)`.
    public var epsilon0 = 5e-5
    /// Epsilon for the other outputs (the scorer's default, 1e-5).
    public var epsilon1 = 1e-5

    public init() {}

    /// Good when output 0 passes both of its limits and output 1 (when present) its own.
    public func isGood(_ checks: [AccuracyCheck]) -> Bool {
        guard let c0 = checks.first else { return false }
        var good = c0.maxAbsolute < maxAbsolute0 && c0.medianRelative < medianRelative0
        if checks.count > 1 { good = good && checks[1].medianRelative < medianRelative1 }
        return good
    }
}
