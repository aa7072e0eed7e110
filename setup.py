"""Builds nais._nais with this repository's CMake build (pybind11 and Python's headers from
Debian: pybind11-dev, python3-dev) and puts it beside the package's Python files."""
import os
import pathlib
import shutil
import subprocess
import sys

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

SOURCE = pathlib.Path(__file__).resolve().parent


class CMakeExtension(Extension):
    def __init__(self, name):
        super().__init__(name, sources=[])


class CMakeBuild(build_ext):
    def build_extension(self, ext):
        out = pathlib.Path(self.get_ext_fullpath(ext.name)).resolve().parent
        prebuilt = os.environ.get("NAIS_PYTHON_PREBUILT")
        if prebuilt:  # an extension this repository's CMake build already made (CI's test build)
            found = sorted(pathlib.Path(prebuilt).glob("_nais*.so"))
            if not found:
                raise RuntimeError(f"NAIS_PYTHON_PREBUILT={prebuilt}: no _nais*.so there")
            out.mkdir(parents=True, exist_ok=True)
            shutil.copy2(found[0], pathlib.Path(self.get_ext_fullpath(ext.name)))
            print(f"nais: using the prebuilt extension {found[0]}", flush=True)
            return
        build = pathlib.Path(self.build_temp).resolve() / "cmake"
        generator = ["-G", "Ninja"] if shutil.which("ninja") else []
        subprocess.check_call(["cmake", "-S", str(SOURCE), "-B", str(build), *generator, "-DCMAKE_BUILD_TYPE=Release",
                               "-DNAIS_BUILD_TESTS=OFF", "-DNAIS_BUILD_EXAMPLES=OFF", "-DNAIS_BUILD_BENCHMARKS=OFF",
                               "-DNAIS_BUILD_TOOLS=OFF", "-DNAIS_INSTALL=OFF", "-DNAIS_BUILD_PYTHON=ON",
                               f"-DPython3_EXECUTABLE={sys.executable}", f"-DNAIS_PYTHON_OUTPUT_DIR={out}"])
        subprocess.check_call(["cmake", "--build", str(build), "--target", "_nais", "-j", str(os.cpu_count() or 1)])


setup(ext_modules=[CMakeExtension("nais._nais")], cmdclass={"build_ext": CMakeBuild})
