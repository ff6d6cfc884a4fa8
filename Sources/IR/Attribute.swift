/// A node attribute, with every kind ONNX defines.
public indirect enum Attribute: Sendable, Equatable {
    case float(Float)
    case int(Int)
    case string(String)
    case tensor(Tensor)
    case graph(Graph)
    case floats([Float])
    case ints([Int])
    case strings([String])
    case tensors([Tensor])
    case graphs([Graph])
    /// A type (ONNX `TypeProto`), kept as element type and shape.
    case type(ValueType)
    case types([ValueType])

    /// The ONNX name of the attribute's kind (`INT`, `FLOATS`, ...), for error messages.
    public var kindName: String {
        switch self {
        case .float: return "FLOAT"
        case .int: return "INT"
        case .string: return "STRING"
        case .tensor: return "TENSOR"
        case .graph: return "GRAPH"
        case .floats: return "FLOATS"
        case .ints: return "INTS"
        case .strings: return "STRINGS"
        case .tensors: return "TENSORS"
        case .graphs: return "GRAPHS"
        case .type: return "TYPE_PROTO"
        case .types: return "TYPE_PROTOS"
        }
    }
}

/// The element type and (possibly symbolic) shape of a value.
/// A nil shape means the rank is unknown.
public struct ValueType: Sendable, Hashable, CustomStringConvertible {
    public var dataType: DataType
    public var shape: Shape?

    public init(_ dataType: DataType, _ shape: Shape?) {
        self.dataType = dataType
        self.shape = shape
    }

    public var description: String { "\(dataType)\(shape?.bracketed ?? "[?]")" }
}

/// A named graph input, output or intermediate with its type, when known.
public struct ValueInfo: Sendable, Equatable {
    public var name: String
    public var type: ValueType?
    public var docString: String

    public init(name: String, type: ValueType?, docString: String = "") {
        self.name = name
        self.type = type
        self.docString = docString
    }
}
