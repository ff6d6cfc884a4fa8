import IR

/// The one switch from op to reference kernel. It is exhaustive over ``Op``:
/// a new op does not compile until it has a kernel here.
enum Dispatch {
    static func run(_ op: Op, _ ctx: NodeContext) throws -> [Tensor] {
        switch op {
        // Elementwise (Elementwise.swift)
        case .abs, .neg, .sqrt, .reciprocal, .exp, .log, .erf, .tanh, .sigmoid, .relu, .gelu,
             .floor, .ceil, .sin, .cos, .sign, .leakyRelu, .softplus, .hardSigmoid, .not:
            return [try Elementwise.unary(op, ctx)]
        case .add, .sub, .mul, .div, .pow, .mod, .equal, .less, .greater, .greaterOrEqual,
             .lessOrEqual, .and, .or, .xor:
            return [try Elementwise.binary(op, ctx)]
        case .min, .max: return [try Elementwise.variadic(op, ctx)]
        case .where: return [try Elementwise.where(ctx)]
        case .cast: return [try Elementwise.cast(ctx)]
        case .castLike: return [try Elementwise.castLike(ctx)]
        case .clip: return [try Elementwise.clip(ctx)]
        case .identity: return [try ctx.input(0)]
        case .dropout: return try Elementwise.dropout(ctx)
        // Normalization (Normalization.swift)
        case .softmax, .logSoftmax: return [try Normalization.softmax(op, ctx)]
        case .batchNormalization: return [try Normalization.batchNormalization(ctx)]
        case .layerNormalization: return try Normalization.layerNormalization(ctx)
        // Linear algebra and convolution (LinearAlgebra.swift, Convolution.swift)
        case .matMul: return [try LinearAlgebra.matMul(ctx)]
        case .gemm: return [try LinearAlgebra.gemm(ctx)]
        case .conv: return [try Convolution.conv(ctx)]
        // Reductions (Reductions.swift)
        case .reduceMean, .reduceSum, .reduceMax, .reduceMin, .reduceProd:
            return [try Reductions.reduce(op, ctx)]
        case .cumSum: return [try Reductions.cumSum(ctx)]
        // Shape and data movement (ShapeOps.swift)
        case .shape: return [try ShapeOps.shape(ctx)]
        case .size: return [try ShapeOps.size(ctx)]
        case .gather: return [try ShapeOps.gather(ctx)]
        case .gatherND: return [try ShapeOps.gatherND(ctx)]
        case .unsqueeze: return [try ShapeOps.unsqueeze(ctx)]
        case .squeeze: return [try ShapeOps.squeeze(ctx)]
        case .concat: return [try ShapeOps.concat(ctx)]
        case .slice: return [try ShapeOps.slice(ctx)]
        case .reshape: return [try ShapeOps.reshape(ctx)]
        case .transpose: return [try ShapeOps.transpose(ctx)]
        case .expand: return [try ShapeOps.expand(ctx)]
        case .range: return [try ShapeOps.range(ctx)]
        case .constantOfShape: return [try ShapeOps.constantOfShape(ctx)]
        case .constant: return [try ShapeOps.constant(ctx)]
        case .split: return try ShapeOps.split(ctx)
        case .flatten: return [try ShapeOps.flatten(ctx)]
        case .tile: return [try ShapeOps.tile(ctx)]
        case .pad: return [try ShapeOps.pad(ctx)]
        case .trilu: return [try ShapeOps.trilu(ctx)]
        }
    }
}
