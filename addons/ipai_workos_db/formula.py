"""The formula language: a tokenizer, a Pratt parser and an evaluator. Nothing here calls ``eval``.

Grammar (lowest precedence first)::

    expr     := ternary
    ternary  := or ("?" expr ":" expr)?
    or       := and (("or" | "||") and)*
    and      := not (("and" | "&&") not)*
    not      := ("not" | "!") not | compare
    compare  := sum (("==" | "!=" | "<" | "<=" | ">" | ">=") sum)*
    sum      := product (("+" | "-") product)*
    product  := unary (("*" | "/" | "%") unary)*
    unary    := "-" unary | power
    power    := atom ("^" unary)?              (right-associative)
    atom     := number | "string" | 'string' | true | false | name "(" args ")" | "(" expr ")"

``prop("Name")`` reads a property of the row. Values are numbers, text, booleans, dates (date or date-time),
lists, or empty (None). Empty counts as 0 in arithmetic and as "" when joined to text. Every error names its
position (0-based character offset) in the expression.
"""

from __future__ import annotations

import calendar
import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from datetime import timezone as dt_timezone
from typing import Any, Callable

MAX_DEPTH = 64
MAX_TEXT = 100_000


class FormulaError(ValueError):
    def __init__(self, message: str, position: int | None = None):
        self.message = message
        self.position = position
        super().__init__(f"{message} (at position {position})" if position is not None else message)


# --- tokens ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Token:
    kind: str  # number, string, name, op, end
    value: Any
    position: int
    end: int = -1  # strings: the offset just after the closing quote


OPERATORS = ("==", "!=", "<=", ">=", "&&", "||", "+", "-", "*", "/", "%", "^", "<", ">", "!", "(", ")", ",", "?", ":")
WORD_OPERATORS = {"and": "&&", "or": "||", "not": "!"}


def tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    index, length = 0, len(text)
    while index < length:
        char = text[index]
        if char.isspace():
            index += 1
            continue
        if char.isdigit() or (char == "." and index + 1 < length and text[index + 1].isdigit()):
            start = index
            while index < length and (text[index].isdigit() or text[index] == "."):
                index += 1
            if index < length and text[index] in "eE":
                mark = index
                index += 1
                if index < length and text[index] in "+-":
                    index += 1
                if index < length and text[index].isdigit():
                    while index < length and text[index].isdigit():
                        index += 1
                else:
                    index = mark
            literal = text[start:index]
            try:
                number = float(literal)
            except ValueError:
                raise FormulaError(f"{literal!r} is not a number", start) from None
            tokens.append(Token("number", int(number) if number.is_integer() and "." not in literal and "e" not in literal.lower() else number, start))
            continue
        if char in "\"'":
            start, quote = index, char
            index += 1
            parts = []
            while True:
                if index >= length:
                    raise FormulaError("this text is never closed: add the closing quote", start)
                current = text[index]
                if current == "\\" and index + 1 < length:
                    escaped = text[index + 1]
                    parts.append({"n": "\n", "t": "\t"}.get(escaped, escaped))
                    index += 2
                    continue
                if current == quote:
                    index += 1
                    break
                parts.append(current)
                index += 1
            tokens.append(Token("string", "".join(parts), start, index))
            continue
        if char.isalpha() or char == "_":
            start = index
            while index < length and (text[index].isalnum() or text[index] == "_"):
                index += 1
            word = text[start:index]
            if word in WORD_OPERATORS:
                tokens.append(Token("op", WORD_OPERATORS[word], start))
            elif word in ("true", "false"):
                tokens.append(Token("bool", word == "true", start))
            else:
                tokens.append(Token("name", word, start))
            continue
        for operator in OPERATORS:
            if text.startswith(operator, index):
                tokens.append(Token("op", operator, index))
                index += len(operator)
                break
        else:
            raise FormulaError(f"unexpected character {char!r}", index)
    tokens.append(Token("end", None, length))
    return tokens


# --- syntax tree -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Node:
    kind: str  # literal, prop, call, unary, binary, ternary
    position: int
    value: Any = None
    children: tuple = ()


BINARY_PRECEDENCE = {"||": 1, "&&": 2, "==": 4, "!=": 4, "<": 4, "<=": 4, ">": 4, ">=": 4, "+": 5, "-": 5, "*": 6, "/": 6, "%": 6, "^": 8}
TERNARY_PRECEDENCE = 0


class Parser:
    """Pratt parser: each binary operator has a binding power; ``^`` binds right."""

    def __init__(self, text: str):
        self.text = text
        self.tokens = tokenize(text)
        self.index = 0
        self.depth = 0

    def peek(self) -> Token:
        return self.tokens[self.index]

    def advance(self) -> Token:
        token = self.tokens[self.index]
        self.index += 1
        return token

    def expect(self, value: str, what: str) -> Token:
        token = self.peek()
        if token.kind != "op" or token.value != value:
            found = "the end of the formula" if token.kind == "end" else repr(token.value)
            raise FormulaError(f"expected {what}, found {found}", token.position)
        return self.advance()

    def parse(self) -> Node:
        if self.peek().kind == "end":
            raise FormulaError("the formula is empty", 0)
        node = self.expression(0)
        token = self.peek()
        if token.kind != "end":
            raise FormulaError(f"unexpected {token.value!r}: an operator or the end of the formula was expected", token.position)
        return node

    def expression(self, min_power: int) -> Node:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise FormulaError(f"the formula nests deeper than {MAX_DEPTH} levels", self.peek().position)
        left = self.prefix()
        while True:
            token = self.peek()
            if token.kind != "op":
                break
            if token.value == "?" and min_power <= TERNARY_PRECEDENCE:
                self.advance()
                then = self.expression(0)
                self.expect(":", "':' of a ? b : c")
                otherwise = self.expression(TERNARY_PRECEDENCE)
                left = Node("ternary", token.position, None, (left, then, otherwise))
                continue
            power = BINARY_PRECEDENCE.get(token.value)
            if power is None or power < min_power:
                break
            self.advance()
            right = self.expression(power if token.value == "^" else power + 1)
            left = Node("binary", token.position, token.value, (left, right))
        self.depth -= 1
        return left

    def prefix(self) -> Node:
        token = self.advance()
        if token.kind == "number" or token.kind == "string" or token.kind == "bool":
            return Node("literal", token.position, token.value)
        if token.kind == "op" and token.value == "(":
            node = self.expression(0)
            self.expect(")", "')'")
            return node
        if token.kind == "op" and token.value == "-":
            return Node("unary", token.position, "-", (self.expression(7),))
        if token.kind == "op" and token.value == "!":
            return Node("unary", token.position, "!", (self.expression(3),))
        if token.kind == "name":
            if self.peek().kind != "op" or self.peek().value != "(":
                raise FormulaError(f"{token.value!r} is not known: functions are called like {token.value}(...), properties as prop(\"Name\")",
                                   token.position)
            self.advance()
            arguments = []
            if not (self.peek().kind == "op" and self.peek().value == ")"):
                while True:
                    arguments.append(self.expression(0))
                    if self.peek().kind == "op" and self.peek().value == ",":
                        self.advance()
                        continue
                    break
            self.expect(")", f"')' closing {token.value}(")
            name = token.value
            if name == "prop":
                if len(arguments) != 1 or arguments[0].kind != "literal" or not isinstance(arguments[0].value, str):
                    raise FormulaError('prop() takes one property name in quotes: prop("Name")', token.position)
                return Node("prop", token.position, arguments[0].value)
            if name not in FUNCTIONS:
                raise FormulaError(f"unknown function {name}(); known: {', '.join(sorted(FUNCTIONS))}", token.position)
            low, high = FUNCTIONS[name][1]
            if not low <= len(arguments) <= (high if high is not None else len(arguments)):
                expected = f"{low}" if low == high else (f"{low} or more" if high is None else f"{low} to {high}")
                raise FormulaError(f"{name}() takes {expected} argument{'s' if high != 1 else ''}, not {len(arguments)}", token.position)
            return Node("call", token.position, name, tuple(arguments))
        if token.kind == "end":
            raise FormulaError("the formula ends too early: a value was expected", token.position)
        raise FormulaError(f"unexpected {token.value!r}: a value was expected", token.position)


def parse(text: str) -> Node:
    """The syntax tree of ``text``; FormulaError (with its position) when it is not a formula."""
    if not isinstance(text, str):
        raise FormulaError("a formula is text")
    return Parser(text).parse()


def references(node: Node) -> set[str]:
    """The property names a formula reads."""
    found = {node.value} if node.kind == "prop" else set()
    for child in node.children:
        found |= references(child)
    return found


def rename_reference(text: str, old: str, new: str) -> str:
    """``text`` with every ``prop("old")`` now reading ``prop("new")`` (used when a property is renamed)."""
    tokens = tokenize(text)
    result, last = [], 0
    for index in range(len(tokens) - 3):
        name, open_, literal, close = tokens[index:index + 4]
        if (name.kind == "name" and name.value == "prop" and open_.value == "(" and literal.kind == "string"
                and literal.value == old and close.value == ")"):
            result.append(text[last:literal.position])
            result.append('"' + new.replace("\\", "\\\\").replace('"', '\\"') + '"')
            last = literal.end
    result.append(text[last:])
    return "".join(result)


# --- evaluation ------------------------------------------------------------------------------------------


def _type_name(value) -> str:
    if value is None:
        return "empty"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, (date, datetime)):
        return "date"
    if isinstance(value, list):
        return "list"
    return type(value).__name__


def _number(value, node: Node, what: str):
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise FormulaError(f"{what} needs a number, got {_type_name(value)}", node.position)
    return value


def _check_number(value, node: Node):
    if isinstance(value, float) and not math.isfinite(value):
        raise FormulaError("the result is not a finite number", node.position)
    if isinstance(value, (int, float)) and abs(value) > 1e300:
        raise FormulaError("the number is too large", node.position)
    return value


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    if isinstance(value, datetime):
        return value.astimezone(dt_timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ") if value.tzinfo else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list):
        return ", ".join(_text(item) for item in value)
    return str(value)


def _truthy(value) -> bool:
    if value is None:
        return False
    if isinstance(value, (str, list)):
        return len(value) > 0
    return bool(value)


def _comparable(left, right, node: Node):
    if isinstance(left, datetime) != isinstance(right, datetime) and isinstance(left, date) and isinstance(right, date):
        left = left if isinstance(left, datetime) else datetime(left.year, left.month, left.day, tzinfo=dt_timezone.utc)
        right = right if isinstance(right, datetime) else datetime(right.year, right.month, right.day, tzinfo=dt_timezone.utc)
    if isinstance(left, bool) or isinstance(right, bool):
        return left, right
    if _type_name(left) != _type_name(right):
        raise FormulaError(f"cannot compare {_type_name(left)} with {_type_name(right)}", node.position)
    return left, right


def _binary(operator: str, left, right, node: Node):
    if operator == "+":
        if isinstance(left, str) or isinstance(right, str):
            if not (isinstance(left, (str, type(None))) and isinstance(right, (str, type(None)))):
                raise FormulaError(f"+ joins two texts or adds two numbers, not {_type_name(left)} and {_type_name(right)}: use concat() or format()",
                                   node.position)
            result = _text(left) + _text(right)
            if len(result) > MAX_TEXT:
                raise FormulaError("the text grows too long", node.position)
            return result
        return _check_number(_number(left, node, "+") + _number(right, node, "+"), node)
    if operator in ("-", "*", "/", "%", "^"):
        a, b = _number(left, node, operator), _number(right, node, operator)
        if operator in ("/", "%") and b == 0:
            raise FormulaError("division by zero", node.position)
        try:
            result = {"-": lambda: a - b, "*": lambda: a * b, "/": lambda: a / b, "%": lambda: math.fmod(a, b),
                      "^": lambda: math.pow(a, b)}[operator]()
        except (OverflowError, ValueError):
            raise FormulaError(f"{operator} gives no real number here", node.position) from None
        return _check_number(result, node)
    if operator in ("==", "!="):
        equal = left == right
        if isinstance(left, (int, float)) and isinstance(right, (int, float)) and not isinstance(left, bool) and not isinstance(right, bool):
            equal = math.isclose(left, right, rel_tol=1e-12, abs_tol=1e-12)
        return equal if operator == "==" else not equal
    if left is None or right is None:
        return False
    left, right = _comparable(left, right, node)
    try:
        return {"<": left < right, "<=": left <= right, ">": left > right, ">=": left >= right}[operator]
    except TypeError:
        raise FormulaError(f"cannot compare {_type_name(left)} with {_type_name(right)}", node.position) from None


class Evaluator:
    """Evaluates a syntax tree; ``get_property(name, position)`` supplies prop("Name")."""

    def __init__(self, get_property: Callable[[str, int], Any], now: datetime | None = None):
        self.get_property = get_property
        self.now = now or datetime.now(dt_timezone.utc).replace(microsecond=0)

    def evaluate(self, node: Node):
        if node.kind == "literal":
            return node.value
        if node.kind == "prop":
            return self.get_property(node.value, node.position)
        if node.kind == "unary":
            value = self.evaluate(node.children[0])
            if node.value == "-":
                return _check_number(-_number(value, node, "-"), node)
            return not _truthy(value)
        if node.kind == "ternary":
            condition, then, otherwise = node.children
            return self.evaluate(then) if _truthy(self.evaluate(condition)) else self.evaluate(otherwise)
        if node.kind == "binary":
            if node.value == "&&":
                return _truthy(self.evaluate(node.children[0])) and _truthy(self.evaluate(node.children[1]))
            if node.value == "||":
                return _truthy(self.evaluate(node.children[0])) or _truthy(self.evaluate(node.children[1]))
            return _binary(node.value, self.evaluate(node.children[0]), self.evaluate(node.children[1]), node)
        if node.kind == "call":
            if node.value == "if":
                condition, then, otherwise = node.children
                return self.evaluate(then) if _truthy(self.evaluate(condition)) else self.evaluate(otherwise)
            function = FUNCTIONS[node.value][0]
            return function(self, node, [self.evaluate(child) for child in node.children])
        raise FormulaError(f"unknown node {node.kind}", node.position)


# --- functions -------------------------------------------------------------------------------------------


def _date(value, node: Node, what: str):
    if not isinstance(value, date):
        raise FormulaError(f"{what} needs a date, got {_type_name(value)}", node.position)
    return value


def _unit(value, node: Node) -> str:
    units = ("years", "quarters", "months", "weeks", "days", "hours", "minutes")
    if not isinstance(value, str) or value.rstrip("s") + "s" not in units:
        raise FormulaError(f"the unit is one of {', '.join(units)}", node.position)
    return value.rstrip("s") + "s"


def _add_months(moment, months: int):
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    if not 1 <= year <= 9999:
        raise OverflowError
    return moment.replace(year=year, month=month, day=min(moment.day, calendar.monthrange(year, month)[1]))


def _date_add(evaluator, node, args, sign: int = 1):
    moment = _date(args[0], node, "dateAdd")
    amount = _number(args[1], node, "dateAdd") * sign
    unit = _unit(args[2], node)
    try:
        if unit in ("years", "quarters", "months"):
            months = int(amount) * {"years": 12, "quarters": 3, "months": 1}[unit]
            return _add_months(moment, months)
        delta = {"weeks": timedelta(weeks=amount), "days": timedelta(days=amount), "hours": timedelta(hours=amount),
                 "minutes": timedelta(minutes=amount)}[unit]
        if unit in ("hours", "minutes") and not isinstance(moment, datetime):
            moment = datetime(moment.year, moment.month, moment.day, tzinfo=dt_timezone.utc)
        return moment + delta
    except (OverflowError, ValueError):
        raise FormulaError("the date falls outside the calendar", node.position) from None


def _date_between(evaluator, node, args):
    first, second = _date(args[0], node, "dateBetween"), _date(args[1], node, "dateBetween")
    unit = _unit(args[2], node)
    first, second = _comparable(first, second, node)
    if unit in ("years", "quarters", "months"):
        months = (first.year - second.year) * 12 + first.month - second.month
        if months > 0 and (first.day, getattr(first, "hour", 0)) < (second.day, getattr(second, "hour", 0)):
            months -= 1
        elif months < 0 and (first.day, getattr(first, "hour", 0)) > (second.day, getattr(second, "hour", 0)):
            months += 1
        return int(months / {"years": 12, "quarters": 3, "months": 1}[unit])
    seconds = (first - second).total_seconds()
    return int(seconds / {"weeks": 604800, "days": 86400, "hours": 3600, "minutes": 60}[unit])


def _numbers(args, node, what):
    values = []
    for value in args:
        if isinstance(value, list):
            values.extend(_number(item, node, what) for item in value if item is not None)
        elif value is not None:
            values.append(_number(value, node, what))
    if not values:
        return None
    return values


def _min(evaluator, node, args):
    values = _numbers(args, node, "min")
    return min(values) if values else None


def _max(evaluator, node, args):
    values = _numbers(args, node, "max")
    return max(values) if values else None


def _round(evaluator, node, args):
    value = _number(args[0], node, "round")
    digits = int(_number(args[1], node, "round")) if len(args) > 1 else 0
    if not -15 <= digits <= 15:
        raise FormulaError("round() keeps from -15 to 15 digits", node.position)
    scaled = value * 10 ** digits
    result = math.floor(abs(scaled) + 0.5) * (1 if scaled >= 0 else -1) / 10 ** digits  # half away from zero
    return int(result) if digits <= 0 else result


def _concat(evaluator, node, args):
    if args and all(isinstance(value, list) for value in args):
        return [item for value in args for item in value]
    result = "".join(_text(value) for value in args)
    if len(result) > MAX_TEXT:
        raise FormulaError("the text grows too long", node.position)
    return result


def _length(evaluator, node, args):
    value = args[0]
    if value is None:
        return 0
    if isinstance(value, (str, list)):
        return len(value)
    raise FormulaError(f"length() needs text or a list, got {_type_name(value)}", node.position)


def _contains(evaluator, node, args):
    haystack, needle = args
    if haystack is None:
        return False
    if isinstance(haystack, list):
        return any(item == needle or (isinstance(item, str) and isinstance(needle, str) and item.casefold() == needle.casefold()) for item in haystack)
    if isinstance(haystack, str):
        return _text(needle) in haystack
    raise FormulaError(f"contains() needs text or a list, got {_type_name(haystack)}", node.position)


def _empty(evaluator, node, args):
    value = args[0]
    return value is None or value == "" or value == [] or value is False or (isinstance(value, (int, float)) and value == 0)


def _to_number(evaluator, node, args):
    value = args[0]
    if value is None or isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    if isinstance(value, bool):
        return 1 if value else 0
    if isinstance(value, date):
        moment = value if isinstance(value, datetime) else datetime(value.year, value.month, value.day, tzinfo=dt_timezone.utc)
        return int(moment.timestamp() * 1000)
    try:
        number = float(_text(value).strip().replace(",", ""))
    except ValueError:
        return None
    return _check_number(int(number) if number.is_integer() else number, node)


def _simple(function, kind=None):
    def call(evaluator, node, args):
        value = args[0]
        if value is None:
            return None
        if kind == "number":
            value = _number(value, node, node.value)
        if kind == "text":
            value = _text(value)
        if kind == "date":
            value = _date(value, node, node.value)
        try:
            return _check_number(function(value), node) if kind == "number" else function(value)
        except (ValueError, OverflowError):
            raise FormulaError(f"{node.value}() gives no real number here", node.position) from None
    return call


FUNCTIONS: dict[str, tuple[Callable, tuple[int, int | None]]] = {
    "if": (None, (3, 3)),
    "concat": (_concat, (1, None)),
    "length": (_length, (1, 1)),
    "round": (_round, (1, 2)),
    "abs": (_simple(abs, "number"), (1, 1)),
    "floor": (_simple(math.floor, "number"), (1, 1)),
    "ceil": (_simple(math.ceil, "number"), (1, 1)),
    "sqrt": (_simple(math.sqrt, "number"), (1, 1)),
    "min": (_min, (1, None)),
    "max": (_max, (1, None)),
    "now": (lambda evaluator, node, args: evaluator.now, (0, 0)),
    "today": (lambda evaluator, node, args: evaluator.now.date(), (0, 0)),
    "dateAdd": (_date_add, (3, 3)),
    "dateSubtract": (lambda evaluator, node, args: _date_add(evaluator, node, args, -1), (3, 3)),
    "dateBetween": (_date_between, (3, 3)),
    "year": (_simple(lambda moment: moment.year, "date"), (1, 1)),
    "month": (_simple(lambda moment: moment.month, "date"), (1, 1)),
    "day": (_simple(lambda moment: moment.day, "date"), (1, 1)),
    "contains": (_contains, (2, 2)),
    "empty": (_empty, (1, 1)),
    "not": (lambda evaluator, node, args: not _truthy(args[0]), (1, 1)),
    "lower": (_simple(str.lower, "text"), (1, 1)),
    "upper": (_simple(str.upper, "text"), (1, 1)),
    "format": (lambda evaluator, node, args: _text(args[0]), (1, 1)),
    "toNumber": (_to_number, (1, 1)),
    "join": (lambda evaluator, node, args: (args[1] if len(args) > 1 and isinstance(args[1], str) else ", ").join(
        _text(item) for item in (args[0] if isinstance(args[0], list) else [args[0]])), (1, 2)),
}


def evaluate(text_or_tree, get_property: Callable[[str, int], Any], now: datetime | None = None):
    """Evaluate a formula (text or parsed tree) with ``get_property(name, position)`` for prop("Name")."""
    tree = parse(text_or_tree) if isinstance(text_or_tree, str) else text_or_tree
    try:
        return Evaluator(get_property, now).evaluate(tree)
    except RecursionError:
        raise FormulaError("the formula nests too deeply", tree.position) from None
