"""A griffe extension for the API reference: what each class takes, with types and defaults.

mkdocstrings shows a class's `Args` as they are written: a pydantic model that
inherits its fields from a mixin, a client whose options arrive as `**options`, a
`TypedDict` or an exception that inherits its attributes would show no field, no
type or no default. This extension reads the classes themselves (their fields,
signatures and annotations) once a package is loaded, and writes:

- a **Parameters** table for every class of ours that is constructed (pydantic
  models, dataclasses without an `Attributes` section, plain classes): each field
  or keyword with its type, its real default and its description (the docstring's
  own words where it has them, else the field's attribute docstring or
  `description`); `**options` typed `Unpack[SomeTypedDict]` or passed on to a base
  class's `__init__` are spelled out; the fields a framework base class adds are
  named in one line below the table;
- a **Keys** table for a `TypedDict`, with whether each key is required;
- for an exception, its own **Attributes** and those of its parents.

Names that start with `_` are never listed. Nothing here changes the code: it is
loaded by `mkdocs.yml` (`extensions:` of the mkdocstrings Python handler).
"""

from __future__ import annotations

import dataclasses
import inspect
import re
import typing
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from griffe import (
    Class,
    DocstringAttribute,
    DocstringParameter,
    DocstringSection,
    DocstringSectionAttributes,
    DocstringSectionParameters,
    DocstringSectionText,
    Expr,
    Extension,
    GriffeLoader,
    Module,
    Object,
    dynamic_import,
    parse_docstring_annotation,
)
from typing_extensions import is_typeddict

OURS = ("aai_gateway", "langchain_aai_gateway", "llama_index_aai_gateway")
_WRAPPER = re.compile(r"^(Required|NotRequired|ReadOnly)\[(?P<inner>.*)\]$")
_UNPACK = re.compile(r"^Unpack\[(?P<name>[\w.]+)\]$")
_ENV_NAME = re.compile(r"^[A-Z][A-Z0-9_]+$")
_PUBLIC_MODULES = (
    "aai_gateway",
    "aai_gateway.adapters",
    "aai_gateway.errors",
    "aai_gateway.testing",
    "aai_gateway.transcripts",
    "aai_gateway.types",
    "langchain_aai_gateway",
    "llama_index_aai_gateway",
)
_MAX_DEFAULT = 48  # longer reprs are shown as the type's name
_EMPTY_FACTORIES = (dict, list, tuple, set, frozenset)


@dataclass
class Field:
    """One constructor parameter, field or key, as the reference shows it."""

    name: str
    annotation: str | Expr | None
    default: str | None
    description: str = ""
    origin: str = ""
    """Where the parameter is declared, when `**options` passed it on."""


def _is_ours(obj: object) -> bool:
    module = getattr(obj, "__module__", "") or ""
    return module.split(".")[0] in OURS


def _owner(cls: type, name: str) -> type | None:
    """The class in `cls`'s MRO whose own annotations declare `name`."""
    for klass in cls.__mro__:
        if name in inspect.get_annotations(klass):
            return klass
    return None


def _default_text(value: object) -> str:
    if isinstance(value, type):
        return value.__name__
    if isinstance(value, str) and len(value) > _MAX_DEFAULT:
        return repr(value[: _MAX_DEFAULT - 8] + "…")
    text = repr(value)
    if len(text) > _MAX_DEFAULT or text.startswith("<"):
        return f"{type(value).__name__}(...)"
    return text


def _factory_text(factory: Any) -> str:
    if factory in _EMPTY_FACTORIES:
        return repr(factory())
    # Never call another factory: it may read the environment (an API key). One
    # that reads a variable names it in its closure (LangChain's secret_from_env).
    cells = [c.cell_contents for c in getattr(factory, "__closure__", None) or ()]
    names = [c for c in cells if isinstance(c, str) and _ENV_NAME.match(c)]
    return f"${names[0]}" if names else "computed at construction"


def _pydantic_default(info: Any) -> str | None:
    if info.default_factory is not None:
        return _factory_text(info.default_factory)
    if info.is_required():
        return None
    return _default_text(info.default)


def _parameter_default(parameter: inspect.Parameter) -> str | None:
    if parameter.default is inspect.Parameter.empty:
        return None
    return _default_text(parameter.default)


class ApiFields(Extension):
    """Fill in constructor fields, `TypedDict` keys and inherited error attributes.

    Args:
        defaults_from: For a class whose options are an `Unpack[TypedDict]`, the
            classes (paths) whose `__init__` hold those options' real defaults,
            the first that has a default winning.
    """

    def __init__(self, defaults_from: dict[str, list[str]] | None = None) -> None:
        super().__init__()
        self.defaults_from = defaults_from or {}
        self._loader: GriffeLoader | None = None

    def on_package(self, *, pkg: Module, loader: GriffeLoader, **kwargs: Any) -> None:
        """Rewrite the docstring sections of every class in one of our packages."""
        if pkg.name not in OURS:
            return
        self._loader = loader
        self._described: dict[tuple[str, str], str] = {}
        self._undescribed: list[tuple[str, DocstringParameter]] = []
        # Each class's own documented attributes, read before any is rewritten.
        self._own_attributes = {
            cls.path: list(section.value)
            for cls in _classes(pkg)
            if cls.docstring
            and (section := _section(cls, DocstringSectionAttributes)) is not None
        }
        for cls in _classes(pkg):
            try:
                runtime = dynamic_import(cls.path)
            except ImportError:
                continue
            if isinstance(runtime, type) and not cls.name.startswith("_"):
                self._document(cls, runtime)
                _drop_private_bases(cls, runtime)
        # `**options` passed on to one base `__init__`: a twin that does not
        # describe them takes the words of one that does (AsyncGatewayClient).
        for origin, item in self._undescribed:
            item.description = self._described.get((origin, item.name), "")

    # -- per kind ----------------------------------------------------------------

    def _document(self, cls: Class, runtime: type) -> None:
        if cls.docstring is None:
            return
        if issubclass(runtime, BaseException):
            _merge_attributes(cls, self._error_attributes(runtime))
        elif is_typeddict(runtime):
            _merge_parameters(cls, self._keys(runtime), title="Keys:")
        elif hasattr(runtime, "model_fields"):
            fields, others = self._model_fields(runtime)
            _merge_parameters(cls, fields)
            _note_inherited(cls, runtime, others)
        elif dataclasses.is_dataclass(runtime):
            self._document_dataclass(cls, runtime)
        elif _is_ours(runtime.__init__):
            fields = self._signature(runtime)
            for field, item in zip(fields, _merge_parameters(cls, fields), strict=True):
                if not field.origin:
                    continue
                if item.description:
                    self._described[field.origin, field.name] = item.description
                else:
                    self._undescribed.append((field.origin, item))

    def _document_dataclass(self, cls: Class, runtime: Any) -> None:
        fields = self._dataclass_fields(runtime)
        section = _section(cls, DocstringSectionAttributes)
        if section is None:
            _merge_parameters(cls, fields)
            return
        # A response type: what it holds, with the fields its docstring left out.
        written = {a.name for a in section.value}
        section.value.extend(
            DocstringAttribute(
                f.name,
                description=f.description,
                annotation=_parsed_annotation(cls, f.annotation),
            )
            for f in fields
            if f.name not in written
        )

    def _model_fields(self, runtime: Any) -> tuple[list[Field], list[str]]:
        fields: list[Field] = []
        others: list[str] = []
        for name, info in runtime.model_fields.items():
            owner = _owner(runtime, name) or runtime
            if not _is_ours(owner):
                if not name.startswith("_"):
                    others.append(name)
                continue
            field = self._field(owner, name, _pydantic_default(info))
            field.description = field.description or (info.description or "")
            fields.append(field)
        names = {f.name for f in fields} | set(others)
        extra = [f for f in self._signature(runtime) if f.name not in names]
        return extra + fields, others

    def _dataclass_fields(self, runtime: Any) -> list[Field]:
        fields = []
        for item in dataclasses.fields(runtime):
            if not item.init or item.name.startswith("_"):
                continue
            if item.default is not dataclasses.MISSING:
                default: str | None = _default_text(item.default)
            elif item.default_factory is not dataclasses.MISSING:
                default = _factory_text(item.default_factory)
            else:
                default = None
            owner = _owner(runtime, item.name) or runtime
            fields.append(self._field(owner, item.name, default))
        return fields

    def _written(self, runtime: Any) -> dict[str, str]:
        """The `Attributes` of a TypedDict's docstring, and of the TypedDicts it extends."""
        written: dict[str, str] = {}
        for base in getattr(runtime, "__orig_bases__", ()):
            if isinstance(base, type) and hasattr(base, "__annotations__"):
                written.update(self._written(base))
        griffe_class = self._griffe(runtime)
        section = (
            _section(griffe_class, DocstringSectionAttributes)
            if isinstance(griffe_class, Class) and griffe_class.docstring
            else None
        )
        if section:
            written.update({a.name: a.description for a in section.value})
        return written

    def _keys(
        self, runtime: Any, defaults: dict[str, str] | None = None
    ) -> list[Field]:
        keys = []
        written = self._written(runtime)
        for name, annotation in runtime.__annotations__.items():
            text = getattr(annotation, "__forward_arg__", None) or str(annotation)
            match = _WRAPPER.match(text)
            required = match[1] == "Required" if match else runtime.__total__
            inner = match["inner"] if match else text
            field = self._field(runtime, name, None)
            field.annotation = inner
            field.description = field.description or written.get(name, "")
            if defaults is not None:
                field.default = defaults.get(name)
            elif required:
                field.description = f"**Required.** {field.description}".strip()
            keys.append(field)
        return keys

    def _signature(self, runtime: type) -> list[Field]:
        """The keyword parameters of `runtime(...)`, `**options` spelled out."""
        fields = []
        for parameter in _init_parameters(runtime):
            if parameter.kind is inspect.Parameter.VAR_KEYWORD:
                fields.extend(self._options(runtime, parameter))
            elif parameter.kind is not inspect.Parameter.VAR_POSITIONAL:
                owner = _init_owner(runtime)
                field = self._field(owner, parameter.name, None)
                field.annotation = _annotation_text(parameter.annotation)
                field.default = _parameter_default(parameter)
                fields.append(field)
        return [f for f in fields if not f.name.startswith("_")]

    def _options(self, runtime: type, parameter: inspect.Parameter) -> list[Field]:
        """What `**options` stands for: an unpacked `TypedDict`, or a base's keywords."""
        match = _UNPACK.match(_annotation_text(parameter.annotation) or "")
        if match:
            owner = _init_owner(runtime)
            hints = typing.get_type_hints(owner.__init__, include_extras=True)
            options = typing.get_args(hints[parameter.name])[0]
            sources = self.defaults_from.get(f"{runtime.__module__}.{runtime.__name__}")
            defaults: dict[str, str] = {}
            for source in reversed(sources or []):
                defaults.update(_defaults_of(source))
            return self._keys(options, defaults if sources else None)
        for base in _init_owner(runtime).__mro__[1:]:
            if _is_ours(base) and "__init__" in vars(base):
                fields = self._signature(base)
                for field in fields:
                    field.origin = (
                        field.origin or f"{base.__module__}.{base.__qualname__}"
                    )
                return fields
        return []

    def _error_attributes(self, runtime: type) -> list[Field]:
        """The documented attributes of the error and of each of its parents."""
        found: dict[str, Field] = {}
        for klass in runtime.__mro__:
            griffe_class = self._griffe(klass)
            if not _is_ours(klass) or not isinstance(griffe_class, Class):
                continue
            for item in self._own_attributes.get(griffe_class.path, []):
                if item.name not in found:
                    suffix = "" if klass is runtime else f" (from `{klass.__name__}`)"
                    annotation = item.annotation or self._annotation(klass, item.name)
                    description = item.description + suffix
                    found[item.name] = Field(item.name, annotation, None, description)
        return list(found.values())

    # -- griffe look-ups --------------------------------------------------------

    def _griffe(self, klass: type, member: str | None = None) -> Object | None:
        if self._loader is None:
            return None
        path = f"{klass.__module__}.{klass.__qualname__}"
        if member:
            path = f"{path}.{member}"
        try:
            found = self._loader.modules_collection.get_member(path)
        except (KeyError, ValueError, AttributeError):
            return None
        return found if isinstance(found, Object) else None

    def _annotation(self, owner: type, name: str) -> str | Expr | None:
        attribute = self._griffe(owner, name)
        annotation = getattr(attribute, "annotation", None)
        if annotation is not None:
            return annotation  # type: ignore[no-any-return]
        declared = inspect.get_annotations(owner).get(name)
        if declared is None and "__init__" in vars(owner):
            # An attribute set from the constructor's parameter of the same name.
            parameter = inspect.signature(owner.__init__).parameters.get(name)
            declared = None if parameter is None else parameter.annotation
        return _annotation_text(declared)

    def _field(self, owner: type, name: str, default: str | None) -> Field:
        attribute = self._griffe(owner, name)
        docstring = getattr(attribute, "docstring", None)
        description = docstring.value if docstring is not None else ""
        return Field(name, self._annotation(owner, name), default, description)


# -- helpers ---------------------------------------------------------------------


def _classes(module: Module | Class) -> Iterator[Class]:
    for member in module.members.values():
        if member.is_alias:
            continue
        if isinstance(member, Class):
            yield member
            yield from _classes(member)
        elif isinstance(member, Module):
            yield from _classes(member)


def _init_owner(runtime: type) -> type:
    for klass in runtime.__mro__:
        if "__init__" in vars(klass):
            return klass
    return object


def _init_parameters(runtime: type) -> list[inspect.Parameter]:
    owner = _init_owner(runtime)
    if not _is_ours(owner):
        return []
    parameters = list(inspect.signature(owner.__init__).parameters.values())
    return parameters[1:]  # without `self`


def _annotation_text(annotation: object) -> str | None:
    if annotation is inspect.Parameter.empty or annotation is None:
        return None
    if isinstance(annotation, str):
        return annotation
    return getattr(annotation, "__forward_arg__", None) or str(annotation)


def _defaults_of(path: str) -> dict[str, str]:
    """The defaults of the keyword parameters of the class at `path`."""
    target = dynamic_import(path)
    parameters = list(_init_parameters(target))
    for base in _init_owner(target).__mro__[1:]:
        if _is_ours(base) and "__init__" in vars(base):
            parameters += _init_parameters(base)
    return {
        p.name: text for p in parameters if (text := _parameter_default(p)) is not None
    }


def _section(cls: Class, kind: type[Any]) -> Any:
    if cls.docstring is None:
        return None
    for section in cls.docstring.parsed:
        if isinstance(section, kind):
            return section
    return None


def _parsed_annotation(cls: Class, annotation: str | Expr | None) -> str | Expr | None:
    if isinstance(annotation, str) and cls.docstring is not None:
        return parse_docstring_annotation(annotation, cls.docstring)
    return annotation


def _merge_parameters(
    cls: Class, fields: list[Field], title: str | None = None
) -> list[DocstringParameter]:
    """Make the Parameters section list `fields`, in their order, keeping its words."""
    if not fields:
        return []
    section = _section(cls, DocstringSectionParameters)
    written = {p.name.lstrip("*"): p for p in section.value} if section else {}
    items = []
    for field in fields:
        described = written.get(field.name)
        items.append(
            DocstringParameter(
                field.name,
                description=(described.description if described else "")
                or field.description,
                annotation=_parsed_annotation(cls, field.annotation),
                value=field.default,
            )
        )
    _replace(cls, section, DocstringSectionParameters(items, title=title))
    return items


def _merge_attributes(cls: Class, fields: list[Field]) -> None:
    if not fields:
        return
    section = _section(cls, DocstringSectionAttributes)
    items = [
        DocstringAttribute(
            f.name,
            description=f.description,
            annotation=_parsed_annotation(cls, f.annotation),
        )
        for f in fields
    ]
    _replace(cls, section, DocstringSectionAttributes(items))


def _replace(cls: Class, old: DocstringSection | None, new: DocstringSection) -> None:
    if cls.docstring is None:
        return
    sections = cls.docstring.parsed
    if old is None:
        # After the summary and its paragraphs, before Examples and the rest.
        at = next(
            (
                i
                for i, s in enumerate(sections)
                if not isinstance(s, DocstringSectionText)
            ),
            len(sections),
        )
        sections.insert(at, new)
    else:
        sections[sections.index(old)] = new


def _note_inherited(cls: Class, runtime: type, names: list[str]) -> None:
    """One line naming the fields a framework base class adds."""
    if not names:
        return
    base = next(k for k in runtime.__mro__ if not _is_ours(k))
    listed = ", ".join(f"`{n}`" for n in names)
    text = f"Also takes the fields of `{base.__name__}` ({base.__module__.split('.')[0]}): {listed}."
    if cls.docstring is None:
        return
    sections = cls.docstring.parsed
    parameters = _section(cls, DocstringSectionParameters)
    at = sections.index(parameters) + 1 if parameters else len(sections)
    sections.insert(at, DocstringSectionText(text))


def _public(klass: type) -> bool:
    """Whether `klass` is exported by one of the public modules."""
    for name in _PUBLIC_MODULES:
        try:
            module = dynamic_import(name)
        except ImportError:
            continue
        exported = klass.__name__ in getattr(module, "__all__", ())
        if exported and getattr(module, klass.__name__) is klass:
            return True
    return False


def _drop_private_bases(cls: Class, runtime: type) -> None:
    """Keep the bases a reader can import: framework classes and our public ones."""
    keep = {
        base.__name__
        for base in runtime.__bases__
        if not _is_ours(base) or (_public(base) and not base.__name__.startswith("_"))
    }
    cls.bases = [b for b in cls.bases if str(b).split(".")[-1].split("[")[0] in keep]
