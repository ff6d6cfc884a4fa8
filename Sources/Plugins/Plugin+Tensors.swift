import IR
import Kernels

extension Plugin {
    /// The inputs in the layouts an engine gives the kernel: each through
    /// ``pack(constant:input:)``, as the builder does with constant inputs.
    public func packed(_ inputs: [Tensor?]) throws -> [Tensor?] {
        try inputs.enumerated().map { k, t in try t.flatMap { try pack(constant: $0, input: k) } ?? t }
    }

    /// Runs the plugin on tensors: allocates outputs from ``outputTypes(_:)``
    /// at the inputs' concrete shapes, and workspace for `tactic`. This is how
    /// the reference executor, tests and `plugin test` run a plugin outside an
    /// engine; it allocates, so it is not the engine's path.
    ///
    /// With `packWeights` (the default) every input goes through
    /// ``pack(constant:input:)`` first, as the builder does with constant
    /// inputs, so the kernel sees the layouts an engine gives it.
    public func run(_ inputs: [Tensor?], tactic: String? = nil, threads: ThreadPool = ThreadPool(threads: 1),
                    packWeights: Bool = true) throws -> [Tensor] {
        let types = try outputTypes(inputs.map { $0.map { ValueType($0.dataType, Shape($0.shape)) } })
        let inputs = packWeights ? try packed(inputs) : inputs
        var outputs: [Tensor] = []
        for (k, t) in types.enumerated() {
            guard let sizes = t.shape?.staticSizes else {
                throw PluginError.invalidInputs(plugin: Self.qualifiedName,
                    reason: "output \(k) has no concrete shape for these inputs (\(t))")
            }
            outputs.append(Tensor.zeros(t.dataType, shape: sizes))
        }
        let shapes = inputs.map { $0?.shape ?? [] }
        let chosen = tactic ?? tactics(inputShapes: shapes).first ?? "default"
        let workspaceBytes = workspaceSize(inputShapes: shapes, tactic: chosen)
        let workspace = UnsafeMutableRawPointer.allocate(byteCount: max(workspaceBytes, 1), alignment: 64)
        defer { workspace.deallocate() }
        // Copy inputs and outputs into raw buffers the kernel may read and write.
        var inputBuffers: [UnsafeMutableRawPointer?] = []
        defer { for b in inputBuffers { b?.deallocate() } }
        for t in inputs {
            guard let t else { inputBuffers.append(nil); continue }
            inputBuffers.append(try TensorBytes.copyOut(t))
        }
        var outputBuffers: [UnsafeMutableRawPointer] = []
        defer { for b in outputBuffers { b.deallocate() } }
        for t in outputs { outputBuffers.append(try TensorBytes.copyOut(t)) }
        let call = PluginCall(
            inputs: zip(inputs, inputBuffers).map { t, b in
                guard let t, let b else { return nil }
                return TensorBuffer(data: b, dataType: t.dataType, shape: t.shape)
            },
            outputs: zip(outputs, outputBuffers).map { TensorBuffer(data: $1, dataType: $0.dataType, shape: $0.shape) },
            workspace: workspace, tactic: chosen, threads: threads)
        try enqueue(call)
        return try zip(outputs, outputBuffers).map { try TensorBytes.copyIn($1, like: $0) }
    }
}

/// Copies between ``Tensor`` storage and raw buffers (little-endian, C order).
public enum TensorBytes {
    /// A new 64-byte-aligned buffer holding the tensor's elements; the caller deallocates it.
    public static func copyOut(_ t: Tensor) throws -> UnsafeMutableRawPointer {
        let bytes = max(t.count * t.dataType.byteSize, 1)
        let p = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 64)
        try write(t, to: p)
        return p
    }

    /// Writes the tensor's elements to `p` (which must hold `count * byteSize` bytes).
    public static func write(_ t: Tensor, to p: UnsafeMutableRawPointer) throws {
        func put<T>(_ a: [T]) { a.withUnsafeBytes { p.copyMemory(from: $0.baseAddress!, byteCount: $0.count) } }
        switch t.data {
        case .float32(let a): put(a)
        case .float64(let a): put(a)
        case .float16(let a), .bfloat16(let a), .uint16(let a): put(a)
        case .int8(let a): put(a)
        case .uint8(let a): put(a)
        case .int16(let a): put(a)
        case .int32(let a): put(a)
        case .uint32(let a): put(a)
        case .int64(let a): put(a)
        case .uint64(let a): put(a)
        case .bool(let a): put(a.map { $0 ? UInt8(1) : 0 })
        case .string: throw PluginError.invalidInputs(plugin: "-", reason: "string tensors have no buffer form")
        }
    }

    /// A tensor of `like`'s type and shape read from `p`.
    public static func copyIn(_ p: UnsafeRawPointer, like: Tensor) throws -> Tensor {
        try read(p, dataType: like.dataType, shape: like.shape)
    }

    /// A tensor of the given type and shape read from `p`.
    public static func read(_ p: UnsafeRawPointer, dataType: DataType, shape: [Int]) throws -> Tensor {
        let n = Shapes.count(shape)
        func get<T>(_: T.Type) -> [T] { Array(UnsafeBufferPointer(start: p.assumingMemoryBound(to: T.self), count: n)) }
        let data: TensorData
        switch dataType {
        case .float32: data = .float32(get(Float.self))
        case .float64: data = .float64(get(Double.self))
        case .float16: data = .float16(get(UInt16.self))
        case .bfloat16: data = .bfloat16(get(UInt16.self))
        case .uint16: data = .uint16(get(UInt16.self))
        case .int8: data = .int8(get(Int8.self))
        case .uint8: data = .uint8(get(UInt8.self))
        case .int16: data = .int16(get(Int16.self))
        case .int32: data = .int32(get(Int32.self))
        case .uint32: data = .uint32(get(UInt32.self))
        case .int64: data = .int64(get(Int64.self))
        case .uint64: data = .uint64(get(UInt64.self))
        case .bool: data = .bool(get(UInt8.self).map { $0 != 0 })
        case .string: throw PluginError.invalidInputs(plugin: "-", reason: "string tensors have no buffer form")
        }
        return Tensor(shape: shape, data: data)
    }
}
