import Foundation
import IR

// TensorProto decoding: shape checks, raw_data, the typed fields, external data.
extension ImportContext {
    /// Decodes a dense `TensorProto`; `name` is what errors call it.
    func tensor(_ t: Onnx_TensorProto, name: String) throws -> Tensor {
        let code = Int(t.dataType)
        guard let dataType = DataType(rawValue: code) else {
            throw ONNXError.unknownElementType(path: source, name: name, code: code)
        }
        let shape = try checkedShape(t.dims, dataType: dataType, name: name)
        let count = Shapes.count(shape)
        if t.hasSegment {
            throw ONNXError.unsupported(path: source, name: name, feature: "segmented tensor (TensorProto.segment)")
        }
        let data: TensorData
        if t.dataLocation == .external {
            data = try externalData(t, dataType: dataType, count: count, name: name)
        } else if t.hasRawData {
            data = try rawData(t.rawData, dataType: dataType, count: count, name: name)
        } else {
            data = try typedData(t, dataType: dataType, count: count, name: name)
        }
        do {
            return try Tensor(checkedShape: shape, data: data, name: name)
        } catch {
            throw ONNXError.invalidTensor(path: source, tensor: name, reason: String(describing: error))
        }
    }

    /// The dims as `[Int]` once every dim is non-negative and the element and
    /// byte counts fit in `Int`.
    func checkedShape(_ dims: [Int64], dataType: DataType, name: String) throws -> [Int] {
        var shape: [Int] = []
        shape.reserveCapacity(dims.count)
        var total = 1
        for d in dims {
            guard d >= 0, let size = Int(exactly: d) else {
                throw ONNXError.invalidShape(path: source, tensor: name, dims: dims)
            }
            let (product, overflow) = total.multipliedReportingOverflow(by: size)
            guard !overflow else { throw ONNXError.invalidShape(path: source, tensor: name, dims: dims) }
            total = product
            shape.append(size)
        }
        guard !total.multipliedReportingOverflow(by: max(dataType.byteSize, 1)).overflow else {
            throw ONNXError.invalidShape(path: source, tensor: name, dims: dims)
        }
        return shape
    }

    private func rawData(_ bytes: Data, dataType: DataType, count: Int, name: String) throws -> TensorData {
        guard dataType != .string else {
            throw ONNXError.unsupported(path: source, name: name, feature: "string tensor stored in raw_data")
        }
        let expected = count * dataType.byteSize
        guard bytes.count == expected else {
            throw ONNXError.dataSizeMismatch(path: source, tensor: name, expected: expected,
                                             found: bytes.count, unit: "bytes")
        }
        guard let data = try RawBytes.tensorData(dataType, count: count, fill: RawBytes.copying(bytes)) else {
            throw ONNXError.unsupported(path: source, name: name, feature: "raw \(dataType) data")
        }
        return data
    }

    /// Decodes the typed repeated fields. `int32_data` also carries the 8- and
    /// 16-bit integers, bool and the bit patterns of float16/bfloat16;
    /// `uint64_data` carries uint32 and uint64.
    private func typedData(_ t: Onnx_TensorProto, dataType: DataType, count: Int, name: String) throws -> TensorData {
        func check(_ found: Int) throws {
            guard found == count else {
                throw ONNXError.dataSizeMismatch(path: source, tensor: name, expected: count,
                                                 found: found, unit: "elements")
            }
        }
        switch dataType {
        case .float32: try check(t.floatData.count); return .float32(t.floatData)
        case .float64: try check(t.doubleData.count); return .float64(t.doubleData)
        case .int64: try check(t.int64Data.count); return .int64(t.int64Data)
        case .uint64: try check(t.uint64Data.count); return .uint64(t.uint64Data)
        case .uint32:
            try check(t.uint64Data.count)
            return .uint32(t.uint64Data.map { UInt32(truncatingIfNeeded: $0) })
        case .string:
            try check(t.stringData.count)
            return .string(t.stringData.map { String(decoding: $0, as: UTF8.self) })
        default:
            try check(t.int32Data.count)
            return Self.fromInt32Field(t.int32Data, dataType)
        }
    }

    private static func fromInt32Field(_ v: [Int32], _ dataType: DataType) -> TensorData {
        switch dataType {
        case .int8: return .int8(v.map { Int8(truncatingIfNeeded: $0) })
        case .uint8: return .uint8(v.map { UInt8(truncatingIfNeeded: $0) })
        case .int16: return .int16(v.map { Int16(truncatingIfNeeded: $0) })
        case .uint16: return .uint16(v.map { UInt16(truncatingIfNeeded: $0) })
        case .float16: return .float16(v.map { UInt16(truncatingIfNeeded: $0) })
        case .bfloat16: return .bfloat16(v.map { UInt16(truncatingIfNeeded: $0) })
        case .bool: return .bool(v.map { $0 != 0 })
        default: return .int32(v)
        }
    }

    /// Reads a tensor stored in an external file (`location`, `offset`,
    /// `length` relative to the model's directory), reading only its range.
    private func externalData(_ t: Onnx_TensorProto, dataType: DataType, count: Int, name: String) throws -> TensorData {
        func fail(_ reason: String) -> ONNXError { .invalidExternalData(path: source, tensor: name, reason: reason) }
        var location = "", offset = 0, length: Int?
        for entry in t.externalData {
            switch entry.key {
            case "location": location = entry.value
            case "offset":
                guard let v = Int(entry.value), v >= 0 else { throw fail("bad offset '\(entry.value)'") }
                offset = v
            case "length":
                guard let v = Int(entry.value), v >= 0 else { throw fail("bad length '\(entry.value)'") }
                length = v
            default: continue
            }
        }
        guard !location.isEmpty else { throw fail("no 'location' entry") }
        guard dataType != .string else {
            throw ONNXError.unsupported(path: source, name: name, feature: "string tensor in external data")
        }
        guard let directory else { throw fail("'\(location)' cannot be resolved: no model directory was given") }
        let components = location.split(whereSeparator: { $0 == "/" || $0 == "\\" })
        guard !location.hasPrefix("/"), !location.hasPrefix("\\"), !components.contains("..") else {
            throw fail("location '\(location)' must stay inside the model's directory")
        }
        let path = directory.appendingPathComponent(location).path
        let file = try externalFile(path, tensor: name)
        let available = length ?? max(file.size - offset, 0)
        guard offset <= file.size, available <= file.size - offset else {
            throw ONNXError.externalDataOutOfRange(path: source, tensor: name, dataPath: path,
                                                   offset: offset, length: available, fileSize: file.size)
        }
        let expected = count * dataType.byteSize
        guard available == expected else {
            throw ONNXError.dataSizeMismatch(path: source, tensor: name, expected: expected,
                                             found: available, unit: "bytes")
        }
        let data = try RawBytes.tensorData(dataType, count: count) { destination in
            try file.read(at: offset, into: destination, onError: fail)
        }
        guard let data else { throw fail("no raw form for \(dataType)") }
        return data
    }

    private func externalFile(_ path: String, tensor: String) throws -> ExternalFile {
        if let open = externalFiles[path] { return open }
        let file = try ExternalFile(path: path, modelPath: source, tensor: tensor)
        externalFiles[path] = file
        return file
    }
}
