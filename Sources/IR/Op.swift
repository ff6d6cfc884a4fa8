/// Every standard ONNX op the workbench knows: one list, in one place.
///
/// Shape inference (``ShapeInference``) and the reference executor each switch
/// exhaustively over this enum, so adding a case fails to compile until both
/// have an entry for it.
public enum Op: String, Sendable, CaseIterable {
    // Elementwise unary
    case abs = "Abs", neg = "Neg", sqrt = "Sqrt", reciprocal = "Reciprocal", exp = "Exp", log = "Log"
    case erf = "Erf", tanh = "Tanh", sigmoid = "Sigmoid", relu = "Relu", gelu = "Gelu"
    case floor = "Floor", ceil = "Ceil", sin = "Sin", cos = "Cos", sign = "Sign"
    case leakyRelu = "LeakyRelu", softplus = "Softplus", hardSigmoid = "HardSigmoid"
    case not = "Not", identity = "Identity", dropout = "Dropout"
    case cast = "Cast", castLike = "CastLike", clip = "Clip"
    // Elementwise binary / variadic (multidirectional broadcasting)
    case add = "Add", sub = "Sub", mul = "Mul", div = "Div", pow = "Pow", mod = "Mod"
    case min = "Min", max = "Max"
    case equal = "Equal", less = "Less", greater = "Greater"
    case greaterOrEqual = "GreaterOrEqual", lessOrEqual = "LessOrEqual"
    case and = "And", or = "Or", xor = "Xor"
    case `where` = "Where"
    // Normalization and activations over an axis
    case softmax = "Softmax", logSoftmax = "LogSoftmax"
    case batchNormalization = "BatchNormalization", layerNormalization = "LayerNormalization"
    // Linear algebra and convolution
    case matMul = "MatMul", gemm = "Gemm", conv = "Conv"
    // Reductions
    case reduceMean = "ReduceMean", reduceSum = "ReduceSum", reduceMax = "ReduceMax"
    case reduceMin = "ReduceMin", reduceProd = "ReduceProd"
    case cumSum = "CumSum"
    // Shape and data movement
    case shape = "Shape", size = "Size", gather = "Gather", gatherND = "GatherND", unsqueeze = "Unsqueeze", squeeze = "Squeeze"
    case concat = "Concat", slice = "Slice", reshape = "Reshape", transpose = "Transpose"
    case expand = "Expand", range = "Range", constantOfShape = "ConstantOfShape", constant = "Constant"
    case split = "Split", flatten = "Flatten", tile = "Tile", pad = "Pad", trilu = "Trilu"

    public static let unaryElementwise: Set<Op> = [
        .abs, .neg, .sqrt, .reciprocal, .exp, .log, .erf, .tanh, .sigmoid, .relu, .gelu,
        .floor, .ceil, .sin, .cos, .sign, .leakyRelu, .softplus, .hardSigmoid, .not, .identity,
    ]
    public static let binaryElementwise: Set<Op> = [
        .add, .sub, .mul, .div, .pow, .mod, .equal, .less, .greater, .greaterOrEqual, .lessOrEqual,
        .and, .or, .xor,
    ]
    /// Ops whose output is bool.
    public static let comparisons: Set<Op> = [.equal, .less, .greater, .greaterOrEqual, .lessOrEqual]
    public static let reductions: Set<Op> = [.reduceMean, .reduceSum, .reduceMax, .reduceMin, .reduceProd]
    /// Ops that only move or describe data (their outputs are cheap to fold when inputs are constant).
    public static let dataMovement: Set<Op> = [
        .shape, .size, .gather, .gatherND, .unsqueeze, .squeeze, .concat, .slice, .reshape, .transpose,
        .expand, .constantOfShape, .constant, .split, .flatten, .tile, .identity,
    ]
}
