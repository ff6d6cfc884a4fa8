import Foundation
import IR

/// The numeric precision an engine computes in. Only fp32 today; the field is
/// in the config and the plan so others can be added without a format change.
public enum Precision: String, Sendable, Codable, CaseIterable {
    case fp32
}

/// The shapes one input may take in a profile: every dim of `min` ≤ `opt` ≤ `max`.
/// Tactics are timed at `opt`; the arena is sized for `max`.
public struct ShapeRange: Sendable, Equatable, Codable {
    public var min: [Int]
    public var opt: [Int]
    public var max: [Int]

    public init(min: [Int], opt: [Int], max: [Int]) {
        self.min = min
        self.opt = opt
        self.max = max
    }

    /// One fixed shape (min = opt = max).
    public init(fixed shape: [Int]) { self.init(min: shape, opt: shape, max: shape) }
}

/// A range of input shapes an engine supports, like TensorRT's
/// `IOptimizationProfile`: per input, min/opt/max shapes. A context is
/// created for one profile and accepts only shapes inside it.
public struct OptimizationProfile: Sendable, Equatable {
    public var inputs: [String: ShapeRange]

    public init(_ inputs: [String: ShapeRange] = [:]) { self.inputs = inputs }

    /// Sets the range of one input.
    public mutating func setDimensions(_ input: String, min: [Int], opt: [Int], max: [Int]) {
        inputs[input] = ShapeRange(min: min, opt: opt, max: max)
    }
}

/// Everything a build needs besides the network, like TensorRT's `IBuilderConfig`.
public struct BuilderConfig: Sendable {
    /// The profiles, in order; contexts name them by index.
    public var profiles: [OptimizationProfile]
    /// Threads of each execution context (and of OpenBLAS).
    public var threads: Int
    public var precision: Precision
    /// Largest workspace a layer's tactic may use, in bytes (nil: no limit).
    /// Tactics needing more are not considered.
    public var workspaceLimit: Int?
    /// Where measurements are looked up and recorded (nil: time everything, keep nothing).
    public var timingCache: TimingCache?
    /// Timed runs per tactic (the median counts).
    public var timingIterations: Int
    /// The fusions the surgeon runs (nil: all of them).
    public var fusions: Set<String>?
    /// Where tactics are timed: at each profile's opt shapes only, or also at
    /// its min and max shapes, so that a layer whose fastest tactic changes
    /// across the profile gets one tactic per range of sizes.
    public var tacticShapes: TacticShapes = .minOptMax
    /// Receives progress and `--verbose` lines (the chosen tactics and their times).
    public var log: (@Sendable (String) -> Void)?

    public init(profiles: [OptimizationProfile] = [], threads: Int = 1, precision: Precision = .fp32,
                workspaceLimit: Int? = nil, timingCache: TimingCache? = nil, timingIterations: Int = 5,
                fusions: Set<String>? = nil, log: (@Sendable (String) -> Void)? = nil) {
        self.profiles = profiles
        self.threads = max(1, threads)
        self.precision = precision
        self.workspaceLimit = workspaceLimit
        self.timingCache = timingCache
        self.timingIterations = max(1, timingIterations)
        self.fusions = fusions
        self.log = log
    }

    /// Where the builder times tactics.
    public enum TacticShapes: String, Sendable, CaseIterable {
        /// The profile's opt shapes only (TensorRT's behaviour): one tactic per layer and profile.
        case opt
        /// Also min and max (timed only for layers with more than one candidate).
        case minOptMax = "all"
    }

    /// Appends a profile; returns its index.
    @discardableResult
    public mutating func addProfile(_ profile: OptimizationProfile) -> Int {
        profiles.append(profile)
        return profiles.count - 1
    }
}
