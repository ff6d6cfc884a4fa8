import ArgumentParser
import Debugging
import IR

/// `--minShapes/--optShapes/--maxShapes` once, for the debugging commands:
/// one profile range (inputs not listed take the symbols the listed ones bind).
struct ProfileShapeOptions: ParsableArguments {
    @Option(name: .customLong("minShapes"), help: ArgumentHelp("Smallest input shapes of the range.", valueName: "spec"))
    var minShapes: String?
    @Option(name: .customLong("optShapes"), help: ArgumentHelp("A typical shape inside the range.", valueName: "spec"))
    var optShapes: String?
    @Option(name: .customLong("maxShapes"), help: ArgumentHelp("Largest input shapes of the range.", valueName: "spec"))
    var maxShapes: String?

    /// True when all three are given.
    var isGiven: Bool { minShapes != nil }

    func validate() throws {
        let given = [minShapes, optShapes, maxShapes].filter { $0 != nil }.count
        guard given == 0 || given == 3 else {
            throw ValidationError("give --minShapes, --optShapes and --maxShapes together")
        }
    }

    /// The range for `inputs`, or nil when no shapes were given.
    func profile(for inputs: [ValueInfo]) throws -> ShapeProfile? {
        guard let minShapes, let optShapes, let maxShapes else { return nil }
        let lo = try ShapeSpec(parsing: minShapes, option: "--minShapes").resolve(inputs)
        let mid = try ShapeSpec(parsing: optShapes, option: "--optShapes").resolve(inputs)
        let hi = try ShapeSpec(parsing: maxShapes, option: "--maxShapes").resolve(inputs)
        let profile = ShapeProfile(min: lo, opt: mid, max: hi)
        try profile.validate(for: inputs)
        return profile
    }
}

/// `--atol` and `--rtol`: NumPy's `allclose` rule, `|out − ref| ≤ atol + rtol·|ref|`.
struct ToleranceOptions: ParsableArguments {
    @Option(name: .customLong("atol"), help: "Absolute tolerance.")
    var atol = 1e-4
    @Option(name: .customLong("rtol"), help: "Relative tolerance.")
    var rtol = 1e-3

    var tolerance: Tolerance { Tolerance(atol: atol, rtol: rtol) }

    func validate() throws {
        guard atol >= 0, rtol >= 0, atol.isFinite, rtol.isFinite else {
            throw ValidationError("--atol and --rtol must be finite and 0 or more")
        }
    }
}
