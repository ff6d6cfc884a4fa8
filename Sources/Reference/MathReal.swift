import Foundation
import IR

/// The floating-point element types of the normalization kernels (float32,
/// float64). Those kernels compute in Double and round once on output.
protocol MathReal: MathScalar, BinaryFloatingPoint {
    init(_ d: Double)
    var mathDouble: Double { get }
}

extension Float: MathReal {
    var mathDouble: Double { Double(self) }
}

extension Double: MathReal {
    var mathDouble: Double { self }
}

extension Tensor {
    /// The elements as Double when the tensor is float32 or float64, else nil
    /// (normalization parameters must be floating point).
    var mathReals: [Double]? {
        switch data {
        case .float32(let a): return a.map { Double($0) }
        case .float64(let a): return a
        default: return nil
        }
    }
}
