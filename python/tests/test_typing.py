"""The public Python API is typed: every public function and method of nais, nais.torch,
nais.tables and nais.measure annotates each parameter and its return, and the extension's stub
(nais/_nais.pyi) declares exactly the functions, classes and Session members the extension
defines, with the same parameter names, so the stub cannot drift from the binding."""
import ast
import inspect
import pathlib

import pytest

import nais
import nais._nais as ext

STUB = pathlib.Path(nais.__file__).with_name("_nais.pyi")


def _public_callables():
    import nais.measure
    import nais.tables
    import nais.torch

    for module in (nais, nais.torch, nais.tables, nais.measure):
        for name in module.__all__:
            obj = getattr(module, name)
            if inspect.isfunction(obj):
                yield f"{module.__name__}.{name}", obj
            elif inspect.isclass(obj) and obj.__module__ == module.__name__:
                for member, f in vars(obj).items():
                    if inspect.isfunction(f) and (not member.startswith("_") or member == "__init__"):
                        yield f"{module.__name__}.{name}.{member}", f
                    elif isinstance(f, property) and not member.startswith("_"):
                        for accessor in (f.fget, f.fset):
                            if accessor is not None:
                                yield f"{module.__name__}.{name}.{member}", accessor


def test_every_public_python_function_is_annotated():
    missing = []
    checked = 0
    for where, f in _public_callables():
        sig = inspect.signature(f)
        checked += 1
        for p in sig.parameters.values():
            if p.name != "self" and p.annotation is inspect.Parameter.empty:
                missing.append(f"{where}: parameter {p.name}")
        if sig.return_annotation is inspect.Signature.empty:
            missing.append(f"{where}: return")
    assert checked >= 25
    assert not missing, missing


def _stub():
    tree = ast.parse(STUB.read_text())
    functions = {n.name: n for n in tree.body if isinstance(n, ast.FunctionDef)}
    classes = {n.name: n for n in tree.body if isinstance(n, ast.ClassDef)}
    return functions, classes


def _arg_names(node):
    return [a.arg for a in node.args.args]


def test_the_stub_declares_what_the_extension_defines():
    assert (STUB.parent / "py.typed").is_file()
    functions, classes = _stub()
    defined = {n for n in dir(ext) if not n.startswith("__")}
    assert set(functions) | set(classes) == defined
    for name, node in functions.items():
        assert all(a.annotation is not None for a in node.args.args), name
        assert node.returns is not None, name
        # pybind11's signature line: name(arg: type, ...) -> type
        doc_args = [a.split(":")[0].strip() for a in getattr(ext, name).__doc__.split("\n")[0].split("(", 1)[1]
                    .rsplit(")", 1)[0].split(",") if a.strip()]
        assert _arg_names(node) == doc_args, name
    members = {n.name: n for n in classes["Session"].body if isinstance(n, ast.FunctionDef)}
    public = {n for n in dir(ext.Session) if not n.startswith("_")} | {"__init__"}
    assert set(members) == public
    for name, node in members.items():
        attr = getattr(ext.Session, name)
        if isinstance(attr, property):
            assert any(isinstance(d, ast.Name) and d.id == "property" for d in node.decorator_list), name
            continue
        doc_args = [a.split(":")[0].strip() for a in attr.__doc__.split("\n")[0].split("(", 1)[1].rsplit(")", 1)[0]
                    .split(",") if a.strip()]
        assert _arg_names(node) == doc_args, name
        assert node.returns is not None, name


def test_the_stub_is_valid_python_with_its_imports():
    pytest.importorskip("numpy.typing")
    compile(STUB.read_text(), str(STUB), "exec")
    namespace = {}
    exec(compile(STUB.read_text(), str(STUB), "exec"), namespace)  # the annotations' names resolve
    assert set(namespace["Session"].__dict__) >= {"evaluate", "design", "initialize_search"}
