"""Word heuristics behind goal feedback: is a sentence a wish, too grand, or a plan?

Deliberately simple and explainable: a goal is a *plan* when it names something a
person could watch the student do (a concrete action verb) or a number / how often;
it is a *wish* when it only names feelings or comparisons ("want", "understand",
"better", "more"). Examples come from seeds/001 (vague vs better goals).

Spanish is known as well as English ("Quiero mejorar en matemáticas" is a wish; "Voy a
leer 20 minutos cada noche" a plan): both word lists apply to every text, since a
student may write in either language or mix them. Spanish verbs are listed as
infinitives; the forms students write ("leeré", "voy a leer", "leo", "leyendo") are
derived by ``_es_forms``.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

# Verbs a person can see someone do. Base forms; inflections are matched by _bases().
CONCRETE_VERBS = frozenset("""
    add answer ask attend bring build chart check choose circle clean color colour come
    complete copy count draw edit email explain fill find finish follow go hand help
    highlight join keep label list listen log look make mark measure meet memorize
    memorise move note organize organise pack plan play practice practise prepare present
    put raise read record reread retell return review revise say schedule set share show
    sit sleep solve sort speak spell start stop summarize summarise take talk teach tell
    track turn underline use visit walk watch write
""".split())

_ES_VERBS = """
    anotar apuntar asistir ayudar borrar buscar calcular cambiar colorear completar compartir
    contar contestar copiar corregir dibujar decir entregar escribir escuchar explicar guardar
    hablar hacer ir jugar leer levantar llegar llevar marcar medir memorizar mirar mostrar
    organizar pedir planear practicar preguntar preparar presentar registrar releer repasar
    repetir resolver responder resumir revisar sentar subrayar sumar restar multiplicar dividir
    tomar terminar traer usar ver visitar
""".split()


def _es_forms(infinitive: str) -> set[str]:
    """The forms of a Spanish verb a student writes about themself: infinitive, future
    and present (yo), gerund, plus the irregular stems that matter here."""
    stem, ending = infinitive[:-2], infinitive[-2:]
    forms = {infinitive, infinitive + "é", stem + "o", stem + ("ando" if ending == "ar" else "iendo")}
    if stem.endswith("c") and ending == "ar":
        forms.add(stem[:-1] + "qué")  # practicar -> practiqué
    return forms


_ES_IRREGULAR = {"leer": {"leyendo", "leo", "leeré"}, "hacer": {"haré", "hago", "haciendo"},
                 "decir": {"diré", "digo", "diciendo"}, "ir": {"iré", "voy", "yendo"},
                 "pedir": {"pido", "pediré", "pidiendo"}, "repetir": {"repito", "repetiré"},
                 "corregir": {"corrijo", "corregiré"}, "jugar": {"juego", "jugaré"},
                 "contar": {"cuento", "contaré"}, "mostrar": {"muestro", "mostraré"},
                 "resolver": {"resuelvo", "resolveré"}, "medir": {"mido", "mediré"},
                 "traer": {"traigo", "traeré", "trayendo"}, "ver": {"veo", "veré", "viendo"},
                 "releer": {"releo", "releeré", "releyendo"}}
# "ir" is only a helper ("voy a leer"): the verb after it is the action.
CONCRETE_VERBS_ES = frozenset(f for v in _ES_VERBS if v != "ir" for f in _es_forms(v) | _ES_IRREGULAR.get(v, set()))

# Words that name a wish, a feeling or a comparison rather than an action.
FUZZY_WORDS = frozenset("""
    want wish hope understand know learn better more less good well great nice nicer
    hard harder try improve best faster smarter focus attention
""".split()) | frozenset("""
    quiero querer quisiera deseo desear espero esperar entender entenderé comprender comprenderé
    saber sabré aprender aprenderé mejor mejorar mejoraré más menos bien bueno buena buenos
    intentar intentaré tratar trataré esforzarme esforzaré esfuerzo concentrarme concentraré
    atención rápido rápida inteligente difícil ganas
""".split())
COMPARATIVES = frozenset("better more less harder faster smarter nicer best".split()) | frozenset(
    "mejor mejorar mejoraré más menos".split())
# Filler that adds nothing concrete to an action ("I will try my very best").
FILLER = frozenset("""
    i i'll will am going to be do get a an the my me myself at in on of and it so
    very really lot lots much just all can always pay work study
""".split()) | frozenset("""
    yo voy vas va ir a al el la los las lo le un una unos unas mi mis me de del en y e o que
    muy mucho mucha muchos más siempre todo poner pondré prestar prestaré portarme estudiar
    estudiaré trabajar trabajaré echarle
""".split()) | FUZZY_WORDS
VAGUE_ACTIONS = frozenset({
    "study", "study more", "study harder", "try", "try harder", "try my best", "do better",
    "do my best", "work harder", "work hard", "pay attention", "focus", "focus more",
    "be good", "be better", "listen better", "be more careful", "practice", "practice more",
    "estudiar", "estudiar más", "estudiaré", "estudiaré más", "esforzarme", "esforzarme más",
    "hacer mi mejor esfuerzo", "dar lo mejor de mí", "poner atención", "prestar atención",
    "portarme bien", "practicar", "practicar más", "practicaré", "practicaré más", "echarle ganas",
    "trabajar más", "intentarlo", "mejorar", "ser mejor",
})

NUMBER_WORDS = frozenset("""
    one two three four five six seven eight nine ten eleven twelve fifteen twenty thirty
    forty fifty hundred once twice half double
    uno una dos tres cuatro cinco seis siete ocho nueve diez once doce quince veinte treinta
    cuarenta cincuenta cien vez veces media doble
""".split())
TIME_WORDS = frozenset("""
    day days night nights morning mornings afternoon evening week weeks weekday weekend
    monday tuesday wednesday thursday friday saturday sunday class lesson lessons period
    time times recess lunch month school
    día días noche noches mañana mañanas tarde tardes semana semanas lunes martes miércoles
    jueves viernes sábado sábados domingo domingos clase clases recreo almuerzo mes escuela
""".split())
_PERIODS = "day|night|morning|evening|week|weekday|weekend|month"
_PERIODS_ES = "día|noche|mañana|tarde|semana|mes"
_FREQUENCY = re.compile(
    r"\b(?:(?:every|each)\s+(?:\w+\s+)?(?:%s)|(?:a|per)\s+(?:%s)|daily|nightly|weekly"
    r"|(?:cada|todos\s+los|todas\s+las)\s+(?:\w+\s+)?(?:%s)|(?:al|a\s+la|por)\s+(?:%s)"
    r"|diario|diariamente|semanal|semanalmente)\b"
    % ("|".join(sorted(TIME_WORDS)), _PERIODS, "|".join(sorted(TIME_WORDS)), _PERIODS_ES)
)
_GRAND = [
    re.compile(p)
    for p in (
        r"\balways\b", r"\bnever\b", r"\bperfect(?:ly)?\b", r"\b100\s*(?:%|percent)",
        r"\bevery(?:thing|one|body)\b", r"\bevery single\b", r"\ball the time\b",
        r"\bbest in (?:the|my|our) (?:class|school|grade|world|district)\b",
        r"\bstraight a'?s?\b", r"\b(?:no|zero|not a single|not one) mistakes?\b",
        r"\b(?:number one|no\.? ?1|#1) in\b",
        r"\bsiempre\b", r"\bnunca\b", r"\bjamás\b", r"\bperfect(?:o|a|os|as|amente)\b",
        r"\b100\s*(?:%|por ciento)", r"\b(?:sin|cero|ningún|ni un) errore?s?\b",
        r"\b(?:el|la) mejor de (?:la|mi|toda la) (?:clase|escuela|grado)\b", r"\bpuros? dieces\b",
        r"\btodo el tiempo\b",
    )
]
_EVERY = re.compile(r"\bevery\s+(\w+)(?:\s+(\w+))?")
_WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)?")
_LEAD = re.compile(r"^(?:i\s+will|i'll|i\s+am\s+going\s+to|i'm\s+going\s+to|i\s+want\s+to|i\s+can"
                   r"|(?:yo\s+)?voy\s+a|(?:yo\s+)?quiero|(?:yo\s+)?puedo)\s+")


def words(text: str) -> list[str]:
    return _WORD.findall(text.lower().replace("\u2019", "'"))


def _bases(word: str) -> set[str]:
    out = {word}
    for suffix, repl in (("ies", "y"), ("es", ""), ("s", ""), ("ing", ""), ("ing", "e"), ("ed", ""), ("ed", "e")):
        if word.endswith(suffix) and len(word) > len(suffix) + 1:
            stem = word[: -len(suffix)] + repl
            out.add(stem)
            if repl == "" and len(stem) > 2 and stem[-1] == stem[-2]:
                out.add(stem[:-1])  # sitting -> sit, planned -> plan
    return out


def concrete_actions(tokens: list[str]) -> list[str]:
    return [t for t in tokens if t in CONCRETE_VERBS_ES or _bases(t) & CONCRETE_VERBS]


def has_measure(text: str) -> bool:
    """A number, a percentage, or how often ("every night", "twice a week")."""
    low = text.lower()
    return bool(re.search(r"\d|%", low) or NUMBER_WORDS & set(words(low)) or _FREQUENCY.search(low))


def grand_phrases(text: str) -> list[str]:
    """Absolute or huge promises ("always", "never", "perfect", "every test")."""
    low = " ".join(words(text)).replace(" %", "%")
    low = re.sub(r"(\d)\s+(%)", r"\1\2", low)
    found = [m.group(0) for pattern in _GRAND for m in pattern.finditer(low)]
    for m in _EVERY.finditer(low):
        following = {w for w in m.groups() if w}
        if following and not following & TIME_WORDS and m.group(1) not in {"single", "thing", "one"}:
            found.append(m.group(0).split()[0] + " " + m.group(1))
    return found


@dataclass(frozen=True)
class Vagueness:
    vague: bool
    fuzzy: tuple[str, ...]  # the wish / comparison words found, for the message
    too_short: bool


def statement_vagueness(text: str, min_words: int = 4) -> Vagueness:
    tokens = words(text)
    fuzzy = tuple(dict.fromkeys(t for t in tokens if t in FUZZY_WORDS))
    if len(tokens) < min_words:
        return Vagueness(True, fuzzy, True)
    actions = concrete_actions(tokens)
    measured = has_measure(text)
    comparative = bool(COMPARATIVES & set(tokens))
    vague = (not actions and not measured) or (comparative and not measured and len(actions) < 2)
    return Vagueness(vague, fuzzy, False)


def action_vagueness(text: str) -> Vagueness:
    """An action is vague when it is under 3 words, a stock phrase ("try harder"),
    only filler words, or a comparison with neither a number nor a visible action."""
    tokens = words(text)
    core = _LEAD.sub("", " ".join(tokens)).strip()
    fuzzy = tuple(dict.fromkeys(t for t in tokens if t in FUZZY_WORDS))
    if len(tokens) < 3:
        return Vagueness(True, fuzzy, True)
    if core in VAGUE_ACTIONS or all(t in FILLER for t in core.split()):
        return Vagueness(True, fuzzy, False)
    comparative = bool(COMPARATIVES & set(tokens))
    vague = comparative and not has_measure(text) and not concrete_actions(tokens)
    return Vagueness(vague, fuzzy, False)
