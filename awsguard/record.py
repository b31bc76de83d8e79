"""Plain data classes for the shim's path, without importing `dataclasses`.

`dataclasses` imports `inspect` (and with it `ast`, `dis`, `tokenize`): several
milliseconds on every `aws` call. `@record` gives the part we use — an __init__
from the annotated fields with their defaults, __repr__, __eq__, frozen
instances, `field(default_factory=..., repr=False)` — with ordinary code.
"""

from __future__ import annotations

_MISSING = object()


class _Field:
    __slots__ = ("default", "default_factory", "repr")

    def __init__(self, default: object, default_factory: object, repr: bool) -> None:
        self.default = default
        self.default_factory = default_factory
        self.repr = repr


def field(*, default: object = _MISSING, default_factory: object = None, repr: bool = True):
    return _Field(default, default_factory, repr)


class FrozenInstanceError(AttributeError):
    pass


def record(cls: type | None = None, *, frozen: bool = False):
    """Class decorator: fields are the class's annotations, in order, with their defaults."""

    def wrap(cls: type) -> type:
        names: list[str] = []
        defaults: dict[str, _Field] = {}
        for klass in reversed(cls.__mro__):
            for name in klass.__dict__.get("__annotations__", {}):
                if name.startswith("__") or name in names:
                    continue
                names.append(name)
                value = klass.__dict__.get(name, _MISSING)
                if isinstance(value, _Field):
                    defaults[name] = value
                elif value is not _MISSING:
                    defaults[name] = _Field(value, None, True)
        for name, spec in defaults.items():
            if isinstance(cls.__dict__.get(name), _Field):
                if spec.default is _MISSING:
                    delattr(cls, name)
                else:
                    setattr(cls, name, spec.default)
        fields = tuple(names)
        shown = tuple(n for n in fields if n not in defaults or defaults[n].repr)
        # field(repr=False) alone gives no default: the argument stays required.
        required = frozenset(
            n for n in fields
            if n not in defaults
            or (defaults[n].default is _MISSING and not defaults[n].default_factory)
        )

        def __init__(self, *args: object, **kwargs: object) -> None:
            if len(args) > len(fields):
                raise TypeError(f"{cls.__name__}() takes {len(fields)} arguments")
            values = dict(zip(fields, args, strict=False))
            for key, value in kwargs.items():
                if key not in fields:
                    raise TypeError(f"{cls.__name__}() got an unexpected argument {key!r}")
                if key in values:
                    raise TypeError(f"{cls.__name__}() got {key!r} twice")
                values[key] = value
            for name in fields:
                if name in values:
                    value = values[name]
                elif name in required:
                    raise TypeError(f"{cls.__name__}() missing argument {name!r}")
                else:
                    spec = defaults[name]
                    value = spec.default_factory() if spec.default_factory else spec.default
                object.__setattr__(self, name, value)

        def __repr__(self) -> str:
            inner = ", ".join(f"{n}={getattr(self, n)!r}" for n in shown)
            return f"{cls.__name__}({inner})"

        def __eq__(self, other: object) -> bool:
            if other.__class__ is not self.__class__:
                return NotImplemented
            return all(getattr(self, n) == getattr(other, n) for n in fields)

        cls.__init__ = __init__
        cls.__repr__ = __repr__
        cls.__eq__ = __eq__
        cls.__record_fields__ = fields
        if frozen:

            def __setattr__(self, name: str, value: object) -> None:
                raise FrozenInstanceError(f"cannot assign to field {name!r}")

            def __hash__(self) -> int:
                return hash(tuple(getattr(self, n) for n in fields))

            cls.__setattr__ = __setattr__
            cls.__delattr__ = __setattr__
            cls.__hash__ = __hash__
        else:
            cls.__hash__ = None
        return cls

    return wrap(cls) if cls is not None else wrap
