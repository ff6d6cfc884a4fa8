/// Errors reading or writing ONNX files. Every case names the file (or the
/// source given for in-memory data) and, where it applies, the tensor, node or
/// attribute, so a command line can print ``description`` as one line.
public enum ONNXError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The model file does not exist.
    case fileNotFound(path: String)
    /// The file exists but could not be read (permissions, a directory, an I/O error).
    case unreadableFile(path: String, reason: String)
    /// The bytes are not a valid protobuf message (truncated, corrupt, or another format).
    case invalidProtobuf(path: String, reason: String)
    /// The protobuf parsed but holds no graph, so it is not an ONNX model.
    case notAModel(path: String)
    /// A tensor's external data file does not exist.
    case missingExternalData(path: String, tensor: String, dataPath: String)
    /// A tensor's external data range lies (partly) past the end of its file.
    case externalDataOutOfRange(path: String, tensor: String, dataPath: String,
                                offset: Int, length: Int, fileSize: Int)
    /// A tensor's external data entries are malformed (no location, a bad offset, an escaping path).
    case invalidExternalData(path: String, tensor: String, reason: String)
    /// A tensor's data holds a different amount than its shape needs (`unit` is "bytes" or "elements").
    case dataSizeMismatch(path: String, tensor: String, expected: Int, found: Int, unit: String)
    /// A tensor or value uses an element type code the workbench does not support.
    case unknownElementType(path: String, name: String, code: Int)
    /// A tensor's dims are negative or their product overflows.
    case invalidShape(path: String, tensor: String, dims: [Int64])
    /// A tensor is malformed in another way (sparse indices out of range, segments, ...).
    case invalidTensor(path: String, tensor: String, reason: String)
    /// A node attribute is malformed (no value, an unsupported type proto).
    case invalidAttribute(path: String, node: String, attribute: String, reason: String)
    /// The file uses an ONNX feature the importer does not handle.
    case unsupported(path: String, name: String, feature: String)
    /// Serializing or writing a model failed.
    case writeFailed(path: String, reason: String)

    public var description: String {
        switch self {
        case .fileNotFound(let p): return "\(p): no such file"
        case .unreadableFile(let p, let r): return "\(p): cannot read: \(r)"
        case .invalidProtobuf(let p, let r):
            return "\(p): not a valid ONNX protobuf (truncated or corrupt): \(r)"
        case .notAModel(let p): return "\(p): parses as protobuf but is not an ONNX model (no graph)"
        case .missingExternalData(let p, let t, let d):
            return "\(p): tensor '\(t)': external data file \(d) not found"
        case .externalDataOutOfRange(let p, let t, let d, let o, let l, let s):
            return "\(p): tensor '\(t)': external data range \(o)..<\(o &+ l) lies past the end of \(d) (\(s) bytes)"
        case .invalidExternalData(let p, let t, let r): return "\(p): tensor '\(t)': external data: \(r)"
        case .dataSizeMismatch(let p, let t, let e, let f, let u):
            return "\(p): tensor '\(t)': data holds \(f) \(u) but its shape needs \(e)"
        case .unknownElementType(let p, let n, let c):
            if let known = ONNXError.unsupportedTypeNames[c] {
                return "\(p): '\(n)': element type \(known) (\(c)) is not supported"
            }
            return "\(p): '\(n)': unknown element type code \(c)"
        case .invalidShape(let p, let t, let d):
            return "\(p): tensor '\(t)': invalid dims \(d) (negative or too many elements)"
        case .invalidTensor(let p, let t, let r): return "\(p): tensor '\(t)': \(r)"
        case .invalidAttribute(let p, let n, let a, let r): return "\(p): node '\(n)': attribute '\(a)': \(r)"
        case .unsupported(let p, let n, let f): return "\(p): '\(n)': unsupported: \(f)"
        case .writeFailed(let p, let r): return "\(p): cannot write model: \(r)"
        }
    }

    /// ONNX element types that exist but have no workbench `DataType`.
    static let unsupportedTypeNames: [Int: String] = [
        14: "COMPLEX64", 15: "COMPLEX128", 17: "FLOAT8E4M3FN", 18: "FLOAT8E4M3FNUZ",
        19: "FLOAT8E5M2", 20: "FLOAT8E5M2FNUZ", 21: "UINT4", 22: "INT4", 23: "FLOAT4E2M1",
        24: "FLOAT8E8M0", 25: "UINT2", 26: "INT2", 27: "FLOAT6E2M3", 28: "FLOAT6E3M2",
    ]
}
