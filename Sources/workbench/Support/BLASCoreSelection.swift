import Foundation
import Kernels

#if canImport(Glibc)
import Glibc
#endif

/// Which OpenBLAS kernels the workbench runs on.
///
/// OpenBLAS (built with `DYNAMIC_ARCH`) reads `OPENBLAS_CORETYPE` once, when
/// the library loads, before `main`. Environments often set it (e.g. to
/// `Haswell`, which forces AVX2 kernels on AVX-512 machines and halves sgemm).
/// The workbench runs on the core OpenBLAS detects unless the user asks for
/// one with `--blasCoreType <name>` (any command) or `WORKBENCH_BLAS_CORETYPE`.
/// When the environment disagrees with that choice, ``prepare(_:)`` re-executes
/// the binary once with `OPENBLAS_CORETYPE` set to the request or removed.
enum BLASCoreSelection {
    static let option = "--blasCoreType"
    static let requestKey = "WORKBENCH_BLAS_CORETYPE"
    static let openBLASKey = "OPENBLAS_CORETYPE"
    /// Set in the re-executed process's environment: guards against a second re-exec.
    static let guardKey = "WORKBENCH_BLAS_REEXEC"
    /// The `OPENBLAS_CORETYPE` the parent saw, passed on so `--verbose` can say what was ignored.
    static let ignoredKey = "WORKBENCH_BLAS_IGNORED_CORETYPE"

    /// The request (`--blasCoreType` or `WORKBENCH_BLAS_CORETYPE`), set by ``prepare(_:)``.
    nonisolated(unsafe) private(set) static var requested: String?
    /// The `OPENBLAS_CORETYPE` value that was dropped, if any.
    nonisolated(unsafe) private(set) static var ignored: String?

    /// Removes `--blasCoreType` from the arguments and makes the requested core
    /// (or OpenBLAS's own detection) take effect, re-executing the binary if
    /// needed; returns the remaining arguments (without the program name).
    static func prepare(_ arguments: [String]) -> [String] {
        let (rest, option) = strip(arguments)
        let environment = ProcessInfo.processInfo.environment
        let requested = nonEmpty(option) ?? nonEmpty(environment[requestKey])
        // Set but empty still changes OpenBLAS's choice (it falls back to a default core).
        let current = environment[openBLASKey]
        self.requested = requested
        ignored = environment[ignoredKey]
        let reexecuted = environment[guardKey] != nil
        unsetenv(guardKey)
        unsetenv(ignoredKey)
        guard requested != current, !reexecuted else { return rest }
        if let requested {
            setenv(openBLASKey, requested, 1)
        } else {
            unsetenv(openBLASKey)
            if let current { setenv(ignoredKey, current, 1) }
        }
        setenv(guardKey, "1", 1)
        reexec(CommandLine.arguments)
        // exec failed: carry on with the kernels already loaded.
        unsetenv(guardKey)
        unsetenv(ignoredKey)
        return rest
    }

    /// One line for `--verbose` and reports: the core that runs and why.
    static func describeRequest() -> String {
        if let requested { return "requested with \(option)/\(requestKey): \(requested)" }
        if let ignored { return "detected; \(openBLASKey)=\(ignored) from the environment ignored" }
        if let current = ProcessInfo.processInfo.environment[openBLASKey] {
            return "\(openBLASKey)=\(current) from the environment (re-exec failed)"
        }
        return "detected"
    }

    /// The arguments without `--blasCoreType X` / `--blasCoreType=X`, and X.
    /// Arguments after a lone `--` are left alone.
    static func strip(_ arguments: [String]) -> ([String], String?) {
        var rest: [String] = [], value: String?
        var i = 0
        while i < arguments.count {
            let a = arguments[i]
            if a == "--" { rest += arguments[i...]; break }
            if a == option, i + 1 < arguments.count {
                value = arguments[i + 1]
                i += 2
                continue
            }
            if a.hasPrefix(option + "=") {
                value = String(a.dropFirst(option.count + 1))
                i += 1
                continue
            }
            rest.append(a)
            i += 1
        }
        return (rest, value)
    }

    private static func nonEmpty(_ s: String?) -> String? {
        guard let s, !s.trimmingCharacters(in: .whitespaces).isEmpty else { return nil }
        return s
    }

    /// Replaces the process with a fresh run of this binary (returns only if `execv` fails).
    private static func reexec(_ argv: [String]) {
        #if os(Linux)
        let path = "/proc/self/exe"
        #else
        let path = Bundle.main.executablePath ?? argv[0]
        #endif
        var cArgs: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) }
        cArgs.append(nil)
        execv(path, cArgs)
        for p in cArgs { free(p) }
    }
}
