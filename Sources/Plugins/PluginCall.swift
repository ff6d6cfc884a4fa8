import IR
import Kernels

/// A tensor in memory the engine owns: element type, concrete shape and a
/// pointer to contiguous row-major data. No ownership: valid only during the
/// call that received it.
public struct TensorBuffer: @unchecked Sendable {
    public var data: UnsafeMutableRawPointer
    public var dataType: DataType
    public var shape: [Int]

    public init(data: UnsafeMutableRawPointer, dataType: DataType, shape: [Int]) {
        self.data = data
        self.dataType = dataType
        self.shape = shape
    }

    public var count: Int { Shapes.count(shape) }
    public var byteCount: Int { count * dataType.byteSize }

    /// The data as float32 (the caller checked ``dataType``).
    @inlinable public var floats: UnsafeMutablePointer<Float> { data.assumingMemoryBound(to: Float.self) }
    @inlinable public var int32s: UnsafeMutablePointer<Int32> { data.assumingMemoryBound(to: Int32.self) }
    @inlinable public var int64s: UnsafeMutablePointer<Int64> { data.assumingMemoryBound(to: Int64.self) }
}

/// Everything one ``Plugin/enqueue(_:)`` receives.
public struct PluginCall: @unchecked Sendable {
    /// Inputs in node order; nil for an omitted optional input.
    public var inputs: [TensorBuffer?]
    /// Outputs in node order, already sized by the engine from ``Plugin/outputTypes(_:)``.
    public var outputs: [TensorBuffer]
    /// Scratch memory of at least ``Plugin/workspaceSize(inputShapes:tactic:)`` bytes (64-byte aligned).
    public var workspace: UnsafeMutableRawPointer?
    /// The tactic the builder chose.
    public var tactic: String
    /// Threads and parallel loops for this execution context.
    public var threads: ThreadPool

    public init(inputs: [TensorBuffer?], outputs: [TensorBuffer], workspace: UnsafeMutableRawPointer?,
                tactic: String, threads: ThreadPool) {
        self.inputs = inputs
        self.outputs = outputs
        self.workspace = workspace
        self.tactic = tactic
        self.threads = threads
    }

    /// A required input; throws naming the plugin when absent.
    public func input(_ i: Int, of plugin: String) throws -> TensorBuffer {
        guard i < inputs.count, let b = inputs[i] else {
            throw PluginError.invalidInputs(plugin: plugin, reason: "required input \(i) is missing")
        }
        return b
    }
}
