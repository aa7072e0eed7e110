"""Builds nais._nais and nais's command-line tools with this repository's CMake build (pybind11
and Python's headers from Debian: pybind11-dev, python3-dev), puts the extension beside the
package's Python files and the tools in nais/bin, which the console scripts (nais-eval,
nais-sweep, ...: nais._tools) run. `pip install -v` shows each step as it goes."""
import os
import pathlib
import shutil
import subprocess
import sys
import time

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

SOURCE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(SOURCE / "python" / "nais"))
from _tool_names import TOOLS  # noqa: E402 - the one list of the tools the package carries


def say(message):
    print(f"nais: {message}", flush=True)


class CMakeExtension(Extension):
    def __init__(self, name):
        super().__init__(name, sources=[])


class CMakeBuild(build_ext):
    def build_extension(self, ext):
        target = pathlib.Path(self.get_ext_fullpath(ext.name))
        out = target.resolve().parent
        tools_out = out / "bin"
        tools_out.mkdir(parents=True, exist_ok=True)
        prebuilt = os.environ.get("NAIS_PYTHON_PREBUILT")
        if prebuilt:  # what this repository's CMake build already made (CI's test build)
            found = sorted(pathlib.Path(prebuilt).glob("_nais*.so"))
            if not found:
                raise RuntimeError(f"NAIS_PYTHON_PREBUILT={prebuilt}: no _nais*.so there")
            out.mkdir(parents=True, exist_ok=True)
            shutil.copy2(found[0], target)
            say(f"using the prebuilt extension {found[0]}")
            tools = pathlib.Path(os.environ.get("NAIS_TOOLS_PREBUILT", pathlib.Path(prebuilt).parents[1] / "tools"))
            for name in TOOLS:
                if not (tools / name).is_file():
                    raise RuntimeError(f"NAIS_TOOLS_PREBUILT={tools}: no {name} there")
                shutil.copy2(tools / name, tools_out / name)
            say(f"using the prebuilt tools in {tools}")
            return
        build = pathlib.Path(self.build_temp).resolve() / "cmake"
        generator = ["-G", "Ninja"] if shutil.which("ninja") else []
        jobs = os.cpu_count() or 1
        start = time.monotonic()
        say(f"configuring the C++ build in {build} (CMake, Release)")
        subprocess.check_call(["cmake", "-S", str(SOURCE), "-B", str(build), *generator, "--log-level=WARNING",
                               "-DCMAKE_BUILD_TYPE=Release", "-DNAIS_BUILD_TESTS=OFF", "-DNAIS_BUILD_EXAMPLES=OFF",
                               "-DNAIS_BUILD_BENCHMARKS=OFF", "-DNAIS_BUILD_TOOLS=ON", "-DNAIS_INSTALL=OFF",
                               "-DNAIS_BUILD_PYTHON=ON", f"-DPython3_EXECUTABLE={sys.executable}",
                               f"-DNAIS_PYTHON_OUTPUT_DIR={out}"], stdout=subprocess.DEVNULL)
        say(f"compiling the extension nais._nais and the tools {', '.join(TOOLS)} on {jobs} core(s): about "
            f"{max(2, round(7 / jobs))} minutes from scratch (one line per translation unit below)")
        subprocess.check_call(["cmake", "--build", str(build), "--target", "_nais", *TOOLS, "-j", str(jobs)])
        for name in TOOLS:
            shutil.copy2(build / "tools" / name, tools_out / name)
        say(f"built in {time.monotonic() - start:.0f} s; the tools go to nais/bin (console scripts: {', '.join(TOOLS)})")


setup(ext_modules=[CMakeExtension("nais._nais")], cmdclass={"build_ext": CMakeBuild})
