import IR

/// A binary reduction with its identity, chosen at compile time so the inner
/// loop of ``ReductionPlan`` inlines it.
protocol MathReduction {
    associatedtype Element: MathScalar
    static var identity: Element { get }
    static func combine(_ a: Element, _ b: Element) -> Element
}

enum MathSum<Element: MathScalar>: MathReduction {
    static var identity: Element { .mathZero }
    @inline(__always) static func combine(_ a: Element, _ b: Element) -> Element { Element.mathAdd(a, b) }
}

enum MathProduct<Element: MathScalar>: MathReduction {
    static var identity: Element { .mathOne }
    @inline(__always) static func combine(_ a: Element, _ b: Element) -> Element { Element.mathMul(a, b) }
}

/// Max that propagates NaN (as NumPy's `max` does).
enum MathMaximum<Element: MathScalar>: MathReduction {
    static var identity: Element { .mathLowest }
    @inline(__always) static func combine(_ a: Element, _ b: Element) -> Element { b > a || b.mathIsNaN ? b : a }
}

/// Min that propagates NaN.
enum MathMinimum<Element: MathScalar>: MathReduction {
    static var identity: Element { .mathHighest }
    @inline(__always) static func combine(_ a: Element, _ b: Element) -> Element { b < a || b.mathIsNaN ? b : a }
}

/// Folds a row-major tensor over a set of axes into an accumulator per output
/// element: every input element is visited once, in memory order, and the
/// output offset advances by a per-dim step that is 0 along reduced dims.
struct ReductionPlan {
    let shape: [Int]
    let reduced: [Bool]

    /// The reduced values for `op` (`count` is the number of elements folded
    /// into each output, for the mean).
    func run<T: MathScalar>(_ op: Op, _ x: [T], count: Int, _ ctx: NodeContext) throws -> [T] {
        switch op {
        case .reduceSum: return fold(MathSum<T>.self, x)
        case .reduceMean: return fold(MathSum<T>.self, x).map { T.mathDivide($0, count: count) }
        case .reduceProd: return fold(MathProduct<T>.self, x)
        case .reduceMax: return fold(MathMaximum<T>.self, x)
        case .reduceMin: return fold(MathMinimum<T>.self, x)
        default: throw ctx.fail("\(op.rawValue) is not a reduction")
        }
    }

    func fold<R: MathReduction>(_ reduction: R.Type, _ x: [R.Element]) -> [R.Element] {
        let rank = shape.count
        var outCount = 1
        for d in 0..<rank where !reduced[d] { outCount *= shape[d] }
        var acc = [R.Element](repeating: R.identity, count: outCount)
        guard rank > 0 else {
            if !x.isEmpty { acc[0] = R.combine(acc[0], x[0]) }
            return acc
        }
        guard !x.isEmpty else { return acc }
        // Output strides over the kept dims; reduced dims step by 0.
        var steps = [Int](repeating: 0, count: rank)
        var step = 1
        for d in stride(from: rank - 1, through: 0, by: -1) where !reduced[d] {
            steps[d] = step
            step *= shape[d]
        }
        let last = shape[rank - 1], lastStep = steps[rank - 1]
        var index = [Int](repeating: 0, count: rank)
        var offset = 0, i = 0
        while i < x.count {
            for j in 0..<last {
                let o = offset + j * lastStep
                acc[o] = R.combine(acc[o], x[i + j])
            }
            i += last
            var d = rank - 2
            while d >= 0 {
                index[d] += 1
                offset += steps[d]
                if index[d] < shape[d] { break }
                offset -= steps[d] * shape[d]
                index[d] = 0
                d -= 1
            }
        }
        return acc
    }
}
