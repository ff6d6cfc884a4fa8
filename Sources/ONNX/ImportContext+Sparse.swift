import Foundation
import IR

// SparseTensorProto (sparse initializers, `sparse_value` of Constant) → dense Tensor.
extension ImportContext {
    /// Densifies a sparse tensor: `values` is `[NNZ]`, `indices` is int64 `[NNZ]`
    /// (linear positions) or `[NNZ, rank]` (coordinates), `dims` the dense shape.
    ///
    /// The dense size is bounded by the machine's physical memory, so a corrupt
    /// file cannot make the importer try to allocate terabytes.
    func sparseTensor(_ s: Onnx_SparseTensorProto, name: String) throws -> Tensor {
        func fail(_ reason: String) -> ONNXError { .invalidTensor(path: source, tensor: name, reason: reason) }
        let values = try tensor(s.values, name: name)
        let indices = try tensor(s.indices, name: "\(name) (indices)")
        let dense = try checkedShape(s.dims, dataType: values.dataType, name: name)
        let denseCount = Shapes.count(dense)
        guard values.rank == 1 else { throw fail("sparse values must be 1-D, got shape \(values.shape)") }
        guard let raw = indices.int64s else { throw fail("sparse indices must be int64, got \(indices.dataType)") }
        let bytes = UInt64(denseCount) * UInt64(max(values.dataType.byteSize, 8))
        guard bytes <= ProcessInfo.processInfo.physicalMemory else {
            throw fail("dense shape \(dense) needs \(bytes) bytes, more than this machine's memory")
        }
        let positions = try linearPositions(raw, indexShape: indices.shape, nnz: values.count,
                                            dense: dense, fail: fail)
        return Tensor(shape: dense, data: Self.scatter(values.data, at: positions, count: denseCount))
    }

    private func linearPositions(_ raw: [Int64], indexShape: [Int], nnz: Int, dense: [Int],
                                 fail: (String) -> ONNXError) throws -> [Int] {
        let total = Shapes.count(dense)
        var positions: [Int] = []
        positions.reserveCapacity(nnz)
        if indexShape == [nnz] {
            for i in raw {
                guard i >= 0, i < total else { throw fail("sparse index \(i) outside \(total) elements") }
                positions.append(Int(i))
            }
        } else if indexShape == [nnz, dense.count] {
            let strides = Shapes.strides(dense)
            for k in 0..<nnz {
                var p = 0
                for axis in 0..<dense.count {
                    let c = raw[k * dense.count + axis]
                    guard c >= 0, c < dense[axis] else { throw fail("sparse coordinate \(c) outside axis \(axis)") }
                    p += Int(c) * strides[axis]
                }
                positions.append(p)
            }
        } else {
            throw fail("sparse indices shape \(indexShape) fits neither [\(nnz)] nor [\(nnz), \(dense.count)]")
        }
        return positions
    }

    private static func scatter(_ values: TensorData, at positions: [Int], count: Int) -> TensorData {
        func place<T>(_ v: [T], _ zero: T) -> [T] {
            var out = [T](repeating: zero, count: count)
            for (k, p) in positions.enumerated() { out[p] = v[k] }
            return out
        }
        switch values {
        case .float32(let v): return .float32(place(v, 0))
        case .float64(let v): return .float64(place(v, 0))
        case .float16(let v): return .float16(place(v, 0))
        case .bfloat16(let v): return .bfloat16(place(v, 0))
        case .int8(let v): return .int8(place(v, 0))
        case .uint8(let v): return .uint8(place(v, 0))
        case .int16(let v): return .int16(place(v, 0))
        case .uint16(let v): return .uint16(place(v, 0))
        case .int32(let v): return .int32(place(v, 0))
        case .uint32(let v): return .uint32(place(v, 0))
        case .int64(let v): return .int64(place(v, 0))
        case .uint64(let v): return .uint64(place(v, 0))
        case .bool(let v): return .bool(place(v, false))
        case .string(let v): return .string(place(v, ""))
        }
    }
}
