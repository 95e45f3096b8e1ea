"""Generate lesson 08's tool-use traces: data/tools_train.jsonl and data/tools_heldout.jsonl.

Every row offers three tools (JSON schemas from `utils.tools`) and a user query, and says what a good
assistant does: call one tool with exact arguments (`call`), answer directly because no offered tool
fits (`direct`), or call a tool that reports an error and say so (`error`). Tool results are computed
by running the real tools in `utils.tools`, so every `result` is what the notebook's loop will see.

Held out:
- whole tools: `HELDOUT_TOOLS` (subtract_numbers, convert_volume, ...) appear in no training row;
- phrasings: queries for training tools in the held-out file use templates training never saw;
- direct queries: none repeats a training query.

About half the training rows show their tools under other names, with other argument names
(`aliases`; see `renamed`), so that a model learns to read names from the prompt.

Run from the repository root: `python data/generators/make_tools.py` (seeded: the same files every run).
"""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))
from utils import tools as T  # noqa: E402

SEED = 20261129
N_TOOLS_OFFERED = 3

COUNTRIES_CAP = list(T.CAPITALS)
COUNTRIES_CUR = list(T.CURRENCIES)
ELEMENTS = list(T.ELEMENT_SYMBOLS)
PLANETS = list(T.PLANET_MOONS)
BOOKS = list(T.BOOK_AUTHORS)
WORDS = ["banana", "mississippi", "elephant", "library", "umbrella", "strawberry", "committee", "balloon",
         "coffee", "pepper", "bookkeeper", "raccoon", "giraffe", "cinnamon", "tomorrow", "parallel", "assessment"]
DATES = ["2024-01-15", "2024-02-29", "2024-03-10", "2024-05-01", "2024-07-04", "2024-09-23", "2024-11-11",
         "2025-01-01", "2025-03-17", "2025-06-30", "2025-08-08", "2025-10-31", "2025-12-25", "2026-02-14"]


def num(r: random.Random, lo=2, hi=999):
    return r.randint(lo, hi)


def dec(r: random.Random):
    return round(r.uniform(1, 200), 1)


def two_dates(r):
    a, b = sorted(r.sample(DATES, 2))
    return a, b


# Each entry: tool -> (argument sampler, train templates, held-out templates, answer template).
# A template is formatted with the arguments (and `_` extras); the answer with arguments and `result`.
def unit_pair(r, units):
    a, b = r.sample(units, 2)
    return a, b


LEN_U, WT_U, TMP_U, VOL_U = list(T.LENGTH_M), list(T.WEIGHT_G), ["celsius", "fahrenheit", "kelvin"], list(T.VOLUME_L)

SPECS = {
    "add_numbers": (
        lambda r: {"a": num(r), "b": num(r)},
        ["What is {a} plus {b}?", "Add {a} and {b}.", "Can you add {a} to {b} for me?"],
        ["I have {a} apples and buy {b} more. How many is that in total? Use the numbers as given.", "Sum of {a} and {b}?"],
        "{a} plus {b} is {result}."),
    "multiply_numbers": (
        lambda r: {"a": num(r, 2, 99), "b": num(r, 2, 99)},
        ["What is {a} times {b}?", "Multiply {a} by {b}.", "Please compute {a} multiplied by {b}."],
        ["{a} boxes hold {b} pens each. What is {a} x {b}?", "Product of {a} and {b}, please."],
        "{a} times {b} is {result}."),
    "percent_of": (
        lambda r: {"percent": r.choice([5, 10, 12, 15, 20, 25, 30, 40, 75]), "value": num(r, 20, 2000)},
        ["What is {percent}% of {value}?", "Work out {percent} percent of {value}.", "How much is {percent}% of {value}?"],
        ["A {value} dollar item is {percent}% off. How many dollars is the {percent}% of {value}?", "{percent} percent of {value} is what?"],
        "{percent}% of {value} is {result}."),
    "square_root": (
        lambda r: {"value": r.choice([num(r, 2, 99) ** 2, num(r, 2, 5000)])},
        ["What is the square root of {value}?", "Find the square root of {value}.", "Square root of {value}, please."],
        ["I need sqrt({value}).", "Which number squared gives {value}?"],
        "The square root of {value} is {result}."),
    "gcd": (
        lambda r: (lambda g: {"a": g * num(r, 2, 30), "b": g * num(r, 2, 30)})(num(r, 2, 12)),
        ["What is the greatest common divisor of {a} and {b}?", "Find the GCD of {a} and {b}.", "gcd of {a} and {b}?"],
        ["What's the largest number that divides both {a} and {b}?", "Highest common factor of {a} and {b}?"],
        "The greatest common divisor of {a} and {b} is {result}."),
    "next_prime": (
        lambda r: {"number": num(r, 10, 5000)},
        ["What is the next prime number after {number}?", "Find the first prime greater than {number}.", "Next prime after {number}?"],
        ["Which prime comes right after {number}?", "Smallest prime bigger than {number}?"],
        "The next prime after {number} is {result}."),
    "area_of_circle": (
        lambda r: {"radius": r.choice([num(r, 1, 50), dec(r)])},
        ["What is the area of a circle with radius {radius}?", "Area of a circle of radius {radius}?", "Compute the area of a circle whose radius is {radius}."],
        ["A round table has a radius of {radius}. What is its area?", "How big is a circle with a {radius} radius, in area?"],
        "A circle of radius {radius} has an area of {result}."),
    "tip_amount": (
        lambda r: {"bill": r.choice([num(r, 10, 300), dec(r)]), "percent": r.choice([10, 15, 18, 20, 22, 25])},
        ["How much should I tip on a {bill} bill at {percent}%?", "What is a {percent}% tip on {bill}?", "Tip for a bill of {bill} at {percent} percent?"],
        ["Dinner cost {bill}. I want to leave {percent}%. How much is the tip?", "Calculate the tip: bill {bill}, rate {percent}%."],
        "A {percent}% tip on {bill} is {result}."),
    "convert_length": (
        lambda r: dict(zip(("from_unit", "to_unit"), unit_pair(r, LEN_U)), value=num(r, 1, 500)),
        ["Convert {value} {from_unit} to {to_unit}.", "How many {to_unit} is {value} {from_unit}?", "What is {value} {from_unit} in {to_unit}?"],
        ["I walked {value} {from_unit}. How far is that in {to_unit}?", "{value} {from_unit} equals how many {to_unit}?"],
        "{value} {from_unit} is {result} {to_unit}."),
    "convert_weight": (
        lambda r: dict(zip(("from_unit", "to_unit"), unit_pair(r, WT_U)), value=num(r, 1, 500)),
        ["Convert {value} {from_unit} to {to_unit}.", "How many {to_unit} is {value} {from_unit}?", "What is {value} {from_unit} in {to_unit}?"],
        ["My parcel weighs {value} {from_unit}. What is that in {to_unit}?", "{value} {from_unit} equals how many {to_unit}?"],
        "{value} {from_unit} is {result} {to_unit}."),
    "convert_temperature": (
        lambda r: dict(zip(("from_unit", "to_unit"), unit_pair(r, TMP_U)), value=num(r, -40, 300)),
        ["Convert {value} degrees {from_unit} to {to_unit}.", "What is {value} {from_unit} in {to_unit}?", "{value} {from_unit} to {to_unit}, please."],
        ["The oven says {value} {from_unit}. What is that in {to_unit}?", "If it is {value} degrees {from_unit}, how many degrees {to_unit} is that?"],
        "{value} degrees {from_unit} is {result} degrees {to_unit}."),
    "days_between": (
        lambda r: dict(zip(("start_date", "end_date"), two_dates(r))),
        ["How many days are there from {start_date} to {end_date}?", "Count the days between {start_date} and {end_date}.", "Days from {start_date} until {end_date}?"],
        ["My trip starts {start_date} and I return {end_date}. How many days is that?", "Number of days between {start_date} and {end_date}?"],
        "There are {result} days from {start_date} to {end_date}."),
    "weekday_of": (
        lambda r: {"date": r.choice(DATES)},
        ["What day of the week is {date}?", "Which weekday was {date}?", "Tell me the day of the week for {date}."],
        ["My appointment is on {date}. Is that a Monday or some other day?", "{date} falls on which day?"],
        "{date} is a {result}."),
    "capital_of": (
        lambda r: {"country": r.choice(COUNTRIES_CAP)},
        ["What is the capital of {country}?", "Which city is the capital of {country}?", "Tell me the capital city of {country}."],
        ["I'm flying to the capital of {country}. Which city is that?", "{country}'s capital?"],
        "The capital of {country} is {result}."),
    "currency_of": (
        lambda r: {"country": r.choice(COUNTRIES_CUR)},
        ["What currency does {country} use?", "What is the currency of {country}?", "Which money is used in {country}?"],
        ["I'm visiting {country}. What money should I bring?", "{country} pays in which currency?"],
        "{country} uses the {result}."),
    "element_symbol": (
        lambda r: {"element": r.choice(ELEMENTS)},
        ["What is the chemical symbol for {element}?", "Give me the symbol of {element}.", "Which symbol stands for {element}?"],
        ["On the periodic table, how is {element} written?", "Symbol of the element {element}?"],
        "The symbol for {element} is {result}."),
    "planet_moons": (
        lambda r: {"planet": r.choice(PLANETS)},
        ["How many moons does {planet} have?", "Number of moons of {planet}?", "Tell me how many moons orbit {planet}."],
        ["Does {planet} have many moons? How many exactly?", "Count of known moons around {planet}?"],
        "{planet} has {result} known moons."),
    "book_author": (
        lambda r: {"title": r.choice(BOOKS)},
        ["Who wrote {title}?", "Who is the author of {title}?", "Tell me who wrote the book {title}."],
        ["I'm reading {title}. Who is it by?", "Author of {title}?"],
        "{title} was written by {result}."),
    "count_letter": (
        lambda r: (lambda w: {"word": w, "letter": r.choice(sorted(set(w)))})(r.choice(WORDS)),
        ["How many times does the letter {letter} appear in {word}?", "Count the letter {letter} in the word {word}.", "How many {letter}'s are in {word}?"],
        ["In the word {word}, how often do you see {letter}?", "Occurrences of {letter} in {word}?"],
        "The letter {letter} appears {result} times in {word}."),
    "reverse_word": (
        lambda r: {"word": r.choice(WORDS)},
        ["Spell {word} backwards.", "Reverse the word {word}.", "What is {word} written backwards?"],
        ["Write {word} in reverse order, please.", "{word} reversed?"],
        "{word} backwards is {result}."),
    "word_length": (
        lambda r: {"word": r.choice(WORDS)},
        ["How many letters are in {word}?", "How long is the word {word}?", "Count the letters of {word}."],
        ["What's the number of letters in {word}?", "Length of the word {word}?"],
        "{word} has {result} letters."),
    "calculate": (
        lambda r: {"expression": r.choice(["({a} + {b}) * {c}", "{a} * {b} - {c}", "{a} / {c} + {b}", "({a} - {b}) * {c}"]).format(
            a=num(r, 2, 99), b=num(r, 2, 99), c=num(r, 2, 9))},
        ["Calculate {expression}.", "What is {expression}?", "Evaluate {expression} for me."],
        ["Quick maths: {expression} = ?", "Work out {expression}."],
        "{expression} = {result}."),
    # held-out tools: only in the held-out file
    "subtract_numbers": (
        lambda r: (lambda a, b: {"minuend": max(a, b), "subtrahend": min(a, b)})(num(r), num(r)),
        None,
        ["What is {minuend} minus {subtrahend}?", "Subtract {subtrahend} from {minuend}.", "Take {subtrahend} away from {minuend}."],
        "{minuend} minus {subtrahend} is {result}."),
    "rectangle_area": (
        lambda r: {"width": num(r, 2, 80), "height": num(r, 2, 80)},
        None,
        ["What is the area of a rectangle {width} wide and {height} high?", "Area of a rectangle with width {width} and height {height}?",
         "A room is {width} by {height}. What is its area?"],
        "A {width} by {height} rectangle has an area of {result}."),
    "convert_volume": (
        lambda r: dict(zip(("source_unit", "target_unit"), unit_pair(r, VOL_U)), amount=num(r, 1, 500)),
        None,
        ["Convert {amount} {source_unit} to {target_unit}.", "How many {target_unit} is {amount} {source_unit}?", "What is {amount} {source_unit} in {target_unit}?"],
        "{amount} {source_unit} is {result} {target_unit}."),
    "add_days": (
        lambda r: {"date": r.choice(DATES), "days": num(r, 2, 120)},
        None,
        ["What date is {days} days after {date}?", "Add {days} days to {date}.", "If today is {date}, what is the date in {days} days?"],
        "{days} days after {date} is {result}."),
    "atomic_number": (
        lambda r: {"element": r.choice(list(T.ATOMIC_NUMBERS))},
        None,
        ["What is the atomic number of {element}?", "Atomic number of {element}?", "Which atomic number does {element} have?"],
        "The atomic number of {element} is {result}."),
    "official_language": (
        lambda r: {"country": r.choice(list(T.LANGUAGES))},
        None,
        ["What language is spoken in {country}?", "What is the official language of {country}?", "Which language do people speak in {country}?"],
        "The main official language of {country} is {result}."),
    "mountain_height": (
        lambda r: {"mountain": r.choice(list(T.MOUNTAIN_HEIGHTS))},
        None,
        ["How tall is {mountain}?", "What is the height of {mountain}?", "How high is {mountain} in metres?"],
        "{mountain} is {result} metres high."),
    "count_vowels": (
        lambda r: {"text": r.choice(WORDS)},
        None,
        ["How many vowels are in {text}?", "Count the vowels in {text}.", "How many vowels does the word {text} have?"],
        "{text} has {result} vowels."),
}

# Calls whose tool reports an error: the argument is valid by the schema but the tool cannot answer it.
ERRORS = {
    "capital_of": ({"country": ["Atlantis", "Wakanda", "Narnia", "Elbonia"]}, "What is the capital of {country}?"),
    "book_author": ({"title": ["The Silent Orchard", "Moonlight Ledger", "A River of Glass"]}, "Who wrote {title}?"),
    "planet_moons": ({"planet": ["Pluto", "Vulcan", "Krypton"]}, "How many moons does {planet} have?"),
    "element_symbol": ({"element": ["unobtainium", "kryptonite", "vibranium"]}, "What is the chemical symbol for {element}?"),
    "weekday_of": ({"date": ["2025-02-30", "2024-13-01", "2025-04-31"]}, "What day of the week is {date}?"),
    "square_root": ({"value": [-16, -49, -2]}, "What is the square root of {value}?"),
    # held-out tools
    "mountain_height": ({"mountain": ["Mount Nowhere", "Cloudpeak", "Mount Doom", "Big Rock Candy"]}, "How tall is {mountain}?"),
    "official_language": ({"country": ["Atlantis", "Genovia", "Freedonia", "Latveria"]}, "What language is spoken in {country}?"),
    "atomic_number": ({"element": ["adamantium", "mithril", "octarine", "kryptonite"]}, "What is the atomic number of {element}?"),
    "add_days": ({"date": ["2025-02-30", "2024-13-05", "2025-06-31", "2026-00-10"]}, "What date is 10 days after {date}?"),
}
ERROR_ANSWER = "I couldn't get that: the {tool} tool said {message}."

# Direct answers: no offered tool fits. Some are near misses: the topic of an offered tool, a question it cannot answer.
DIRECT_TRAIN = [
    ("Say hello in French.", "Bonjour!"),
    ("Give me a synonym for happy.", "Cheerful."),
    ("Tell me a fun fact about owls.", "Owls can turn their heads about 270 degrees."),
    ("Write a one-line slogan for a bakery.", "Fresh from our oven to your table."),
    ("What is a good name for a pet turtle?", "How about Shelby?"),
    ("Suggest a healthy breakfast.", "Oatmeal with fruit and a handful of nuts."),
    ("What colour do you get by mixing blue and yellow?", "Green."),
    ("Give me one tip for better sleep.", "Keep a regular bedtime, even at weekends."),
    ("What is the opposite of ancient?", "Modern."),
    ("Write a haiku about rain.", "Soft rain on the roof / the garden drinks in silence / puddles hold the sky"),
    ("How do I say thank you in German?", "Danke."),
    ("Name a fruit that is yellow.", "A banana."),
    ("Tell me a short joke.", "Why did the scarecrow win an award? He was outstanding in his field."),
    ("What does a thermometer measure?", "Temperature."),
    ("Recommend a board game for a family night.", "Ticket to Ride is easy to learn and fun for all ages."),
    ("What is the plural of mouse?", "Mice."),
    ("Give me a word that rhymes with cat.", "Hat."),
    ("What should I pack for a beach day?", "Sunscreen, water, a towel and a hat."),
    ("Describe the colour of the sky on a clear day.", "A bright, clear blue."),
    ("What is a group of lions called?", "A pride."),
    ("Write a friendly greeting for a birthday card.", "Happy birthday! Wishing you a year full of joy."),
    ("How can I stay focused while studying?", "Put your phone away and work in short, timed blocks."),
    ("Which animal is known as the king of the jungle?", "The lion."),
    ("What is the main ingredient of guacamole?", "Avocado."),
    ("Suggest a title for a story about a lost dog.", "The Long Way Home."),
    ("How many legs does a spider have?", "Eight."),
    ("What do bees make?", "Honey."),
    ("Give me a motivational quote.", "Small steps every day add up to big results."),
    ("What is the freezing point of water in Celsius?", "0 degrees Celsius."),
    ("Name three primary colours.", "Red, blue and yellow."),
    # near misses for training tools
    ("Why do we use capital letters at the start of a sentence?", "They mark where a new sentence begins, which makes text easier to read."),
    ("What is a prime minister?", "The head of a government in a parliamentary system."),
    ("Why does the Moon change shape in the sky?", "We see different parts of its sunlit side as it orbits Earth."),
    ("What is the best way to learn a new word?", "Use it in a sentence of your own a few times that week."),
    ("Who invented the calendar we use today?", "The Gregorian calendar was introduced under Pope Gregory XIII in 1582."),
    ("Is it rude not to tip in Japan?", "No. Tipping is not customary in Japan, and it can even cause confusion."),
    ("What is a circle?", "A round shape whose points are all the same distance from its centre."),
    ("Why is gold valuable?", "It is rare, does not rust and is easy to shape."),
    ("How do I write a good book review?", "Say what the book is about, what worked, what did not, and who would enjoy it."),
    ("What does a currency exchange do?", "It swaps one country's money for another's at a set rate."),
]
DIRECT_HELDOUT = [
    ("Write a two-line poem about the sea.", "The sea rolls in with silver light, / and hums the shore to sleep at night."),
    ("Suggest a name for a goldfish.", "Bubbles."),
    ("How do I make a cup of tea?", "Boil water, pour it over a tea bag, wait three minutes, then remove the bag."),
    ("Give me an idea for a rainy afternoon.", "Bake some cookies and watch a film."),
    ("What is the opposite of generous?", "Stingy."),
    ("Say good morning in Spanish.", "Buenos dias."),
    ("Tell me something interesting about octopuses.", "An octopus has three hearts."),
    ("What rhymes with moon?", "Spoon."),
    ("Describe autumn in one sentence.", "Autumn is cool air, golden light and leaves falling."),
    ("Recommend a hobby that costs little.", "Walking or hiking: all you need is comfortable shoes."),
    ("What is a baby cat called?", "A kitten."),
    ("Give me a compliment.", "You ask great questions."),
    ("What should I name my band?", "How about The Midnight Owls?"),
    ("How can I be more patient?", "Pause and take a slow breath before you react."),
    ("What sound does a cow make?", "Moo."),
    ("Which season comes after winter?", "Spring."),
    ("Write a thank-you note to a teacher.", "Thank you for your patience and for making every lesson count."),
    ("What do caterpillars turn into?", "Butterflies or moths."),
    ("Tell me a riddle.", "What has keys but can't open locks? A piano."),
    ("How do I keep houseplants alive?", "Give them light, water them when the soil is dry, and don't overwater."),
    ("What is the colour of an emerald?", "Green."),
    ("Name an animal that lives in the Arctic.", "The polar bear."),
    ("Give me a tip for public speaking.", "Practise out loud and slow down."),
    ("What is a synonym for big?", "Large."),
    # near misses for held-out tools
    ("Who was the first person to climb Everest?", "Edmund Hillary and Tenzing Norgay reached the top in 1953."),
    ("How do you say thank you in Spanish?", "Gracias."),
    ("Why is learning a second language useful?", "It lets you talk with more people and understand other cultures."),
    ("What is an element in chemistry?", "A substance made of one kind of atom."),
    ("Why do mountains have snow on top?", "The air gets colder the higher you go, so snow does not melt."),
    ("What is a calendar year?", "The 365 days (366 in a leap year) from January 1 to December 31."),
    ("What does subtract mean?", "To take one number away from another."),
    ("Why are vowels important?", "Almost every syllable needs a vowel sound, so words can be spoken."),
    ("What is a rectangle?", "A four-sided shape with four right angles."),
    ("What is a gallon used to measure?", "Liquids, such as milk or fuel."),
    ("Which country is Mount Kilimanjaro in?", "Tanzania."),
    ("Which language has the most native speakers?", "Mandarin Chinese."),
    ("Who created the periodic table?", "Dmitri Mendeleev, in 1869."),
    ("Why do we have leap years?", "A year is about 365.25 days, so an extra day every four years keeps the calendar in step."),
    ("What is volume?", "The amount of space something takes up."),
    ("How do I climb a mountain safely?", "Go with a guide, check the weather, and turn back if it gets dangerous."),
]
NEAR_MISS = {  # query -> the offered tool it is about (the other two offered tools are random)
    "Why do we use capital letters at the start of a sentence?": "capital_of", "What is a prime minister?": "next_prime",
    "Why does the Moon change shape in the sky?": "planet_moons", "What is the best way to learn a new word?": "word_length",
    "Who invented the calendar we use today?": "weekday_of", "Is it rude not to tip in Japan?": "tip_amount",
    "What is a circle?": "area_of_circle", "Why is gold valuable?": "element_symbol",
    "How do I write a good book review?": "book_author", "What does a currency exchange do?": "currency_of",
    "Who was the first person to climb Everest?": "mountain_height", "How do you say thank you in Spanish?": "official_language",
    "Why is learning a second language useful?": "official_language", "What is an element in chemistry?": "atomic_number",
    "Why do mountains have snow on top?": "mountain_height", "What is a calendar year?": "add_days",
    "What does subtract mean?": "subtract_numbers", "Why are vowels important?": "count_vowels",
    "What is a rectangle?": "rectangle_area", "What is a gallon used to measure?": "convert_volume",
    "Which country is Mount Kilimanjaro in?": "mountain_height", "Which language has the most native speakers?": "official_language",
    "Who created the periodic table?": "atomic_number", "Why do we have leap years?": "add_days",
    "What is volume?": "convert_volume", "How do I climb a mountain safely?": "mountain_height",
}


def offer(r: random.Random, pool: list[str], must: str | None = None, avoid: str | None = None) -> list[str]:
    others = [t for t in pool if t not in (must, avoid)]
    names = ([must] if must else []) + r.sample(others, N_TOOLS_OFFERED - (1 if must else 0))
    r.shuffle(names)
    return names


def call_row(r, tool, template, pool, answer_template):
    args = SPECS[tool][0](r)
    value = T.TOOLS[tool](**args)
    query = template.format(**args)
    return {"kind": "call", "tools": offer(r, pool, must=tool), "query": query,
            "call": {"name": tool, "arguments": args}, "result": T.result_text(value),
            "answer": answer_template.format(**args, result=value)}


def error_row(r, tool, pool):
    choices, template = ERRORS[tool]
    (arg, values), = choices.items()
    args = {arg: r.choice(values)}
    if tool == "add_days":
        args["days"] = 10
    try:
        T.TOOLS[tool](**args)
    except T.ToolError as err:
        message = str(err)
    else:
        raise AssertionError(f"{tool}{args} did not fail")
    return {"kind": "error", "tools": offer(r, pool, must=tool), "query": template.format(**args),
            "call": {"name": tool, "arguments": args}, "result": T.error_text(message),
            "answer": ERROR_ANSWER.format(tool=tool, message=message)}


def direct_row(r, query, answer, pool):
    near = NEAR_MISS.get(query)
    return {"kind": "direct", "tools": offer(r, pool, must=near), "query": query, "answer": answer,
            **({"near_miss": near} if near else {})}


# Renamed training rows. With only 22 tools, each always under the same names, a model can learn the
# names and argument names by heart, and then invent them for a tool it never saw ("rect_area" for
# rectangle_area). In half of the training rows (drawn with their own seed, so the other rows stay as
# they are) every offered tool is shown under another name with other argument names, and the call
# uses them: the names must be read from the prompt. Nothing here is a held-out tool's name or argument.
RENAME_SEED = SEED + 1
RENAME_SHARE = 0.5
PAIRS = [("x", "y"), ("first", "second"), ("num1", "num2"), ("left", "right"), ("p", "q")]
UNIT_PAIRS = [("unit_from", "unit_to"), ("src", "dst"), ("input_unit", "output_unit"), ("convert_from", "convert_to"),
              ("old_unit", "new_unit")]
OTHER_NAMES = {  # tool -> (other tool names, other argument names: a list of tuples in argument order, or per argument)
    "add_numbers": (["sum_numbers", "add", "plus", "addition", "add_values", "compute_sum"], PAIRS),
    "multiply_numbers": (["multiply", "times", "product", "mul_numbers", "compute_product", "multiply_values"], PAIRS),
    "gcd": (["greatest_common_divisor", "hcf", "common_divisor", "gcd_of", "compute_gcd"], PAIRS),
    "percent_of": (["percentage_of", "percent", "compute_percent", "pct_of", "take_percent"],
                   {"percent": ["pct", "rate", "percentage", "share"], "value": ["number", "total", "base", "whole", "quantity"]}),
    "square_root": (["sqrt", "root_of", "square_root_of", "compute_sqrt", "find_root"], {"value": ["number", "x", "n", "input_value"]}),
    "next_prime": (["prime_after", "next_prime_after", "find_next_prime", "following_prime"],
                   {"number": ["n", "start", "value", "after"]}),
    "area_of_circle": (["circle_area", "disc_area", "area_circle", "compute_circle_area"], {"radius": ["r", "circle_radius", "rad"]}),
    "tip_amount": (["calculate_tip", "tip", "tip_for_bill", "gratuity"],
                   {"bill": ["total_bill", "check", "cost", "bill_total"], "percent": ["tip_percent", "rate", "pct"]}),
    "convert_length": (["length_convert", "convert_distance", "distance_units", "length_in"],
                       {"value": ["quantity", "number", "length", "distance"]}),
    "convert_weight": (["weight_convert", "convert_mass", "mass_units", "weight_in"], {"value": ["quantity", "number", "weight", "mass"]}),
    "convert_temperature": (["temperature_convert", "convert_temp", "temp_units", "degrees_in"],
                            {"value": ["degrees", "temperature", "temp", "reading"]}),
    "days_between": (["count_days", "date_difference", "days_from_to", "days_apart"],
                     [("start", "end"), ("from_date", "to_date"), ("first_date", "second_date"), ("begin_date", "finish_date")]),
    "weekday_of": (["day_of_week", "weekday", "which_weekday", "get_weekday"], {"date": ["day", "on_date", "calendar_date", "the_date"]}),
    "capital_of": (["capital_city", "get_capital", "capital", "capital_lookup"], {"country": ["nation", "country_name", "state", "place"]}),
    "currency_of": (["currency", "money_of", "get_currency", "currency_lookup"], {"country": ["nation", "country_name", "state", "place"]}),
    "element_symbol": (["chemical_symbol", "symbol_of", "get_symbol", "element_to_symbol"],
                       {"element": ["element_name", "substance", "name", "chem_element"]}),
    "planet_moons": (["moons_of", "moon_count", "count_moons", "number_of_moons"], {"planet": ["planet_name", "world", "body"]}),
    "book_author": (["author_of", "who_wrote", "get_author", "book_writer"], {"title": ["book", "book_title", "name"]}),
    "count_letter": (["letter_count", "count_char", "occurrences", "count_in_word"],
                     {"word": ["string", "term", "input_word"], "letter": ["char", "character", "symbol"]}),
    "reverse_word": (["reverse", "backwards", "reverse_string", "spell_backwards"], {"word": ["string", "term", "input_word"]}),
    "word_length": (["length_of_word", "word_size", "len_word", "letters_in"], {"word": ["string", "term", "input_word"]}),
    "calculate": (["evaluate", "calc", "compute", "math_eval", "arithmetic"], {"expression": ["expr", "formula", "equation", "math"]}),
}


def other_name(r: random.Random, tool: str) -> tuple[str, dict]:
    """Another name for a training tool and for its arguments: (shown name, {shown argument: real argument})."""
    names, args = OTHER_NAMES[tool]
    params = list(T.schema(tool)["function"]["parameters"]["properties"])
    if isinstance(args, list):
        shown = dict(zip(r.choice(args), params))
    else:
        shown = {r.choice(others): arg for arg, others in args.items()}
        if "from_unit" in params:
            shown.update(zip(r.choice(UNIT_PAIRS), ("from_unit", "to_unit")))
    return r.choice(names), shown


def renamed(r: random.Random, row: dict) -> dict:
    """The row with every offered tool shown under another name, and its call written with those names."""
    aliases, shown_name = {}, {}
    for tool in row["tools"]:
        name, arguments = other_name(r, tool)
        aliases[name], shown_name[tool] = {"tool": tool, "arguments": arguments}, name
    out = {**row, "tools": [shown_name[t] for t in row["tools"]], "aliases": aliases}
    if "call" in row:
        name = shown_name[row["call"]["name"]]
        back = {real: shown for shown, real in aliases[name]["arguments"].items()}
        out["call"] = {"name": name, "arguments": {back.get(k, k): v for k, v in row["call"]["arguments"].items()}}
    if row["kind"] == "error":  # the answer names the tool as the model saw it
        out["answer"] = row["answer"].replace(f"the {row['call']['name']} tool", f"the {out['call']['name']} tool")
        assert out["answer"] != row["answer"]
    if "near_miss" in row:
        out["near_miss"] = shown_name[row["near_miss"]]
    return out


def build():
    r = random.Random(SEED)
    train_pool, heldout_pool = list(T.TRAIN_TOOLS), list(T.HELDOUT_TOOLS)
    train, heldout = [], []
    for tool in train_pool:
        _, train_templates, heldout_templates, answer = SPECS[tool]
        for i in range(8):  # 8 training calls per training tool, cycling its training phrasings
            train.append({**call_row(r, tool, train_templates[i % len(train_templates)], train_pool, answer), "tool_split": "train"})
        for i in range(2):  # 2 held-out calls per training tool, in phrasings training never saw
            heldout.append({**call_row(r, tool, heldout_templates[i % len(heldout_templates)], train_pool, answer), "tool_split": "train"})
    for tool in heldout_pool:
        _, _, templates, answer = SPECS[tool]
        for i in range(10):
            heldout.append({**call_row(r, tool, templates[i % len(templates)], heldout_pool, answer), "tool_split": "heldout"})
    for tool in ERRORS:
        split = "heldout" if tool in T.HELDOUT_TOOLS else "train"
        rows, pool = (heldout, heldout_pool) if split == "heldout" else (train, train_pool)
        for _ in range(4 if split == "heldout" else 3):
            rows.append({**error_row(r, tool, pool), "tool_split": split})
    for query, answer in DIRECT_TRAIN:
        train.append({**direct_row(r, query, answer, train_pool), "tool_split": "train"})
    for query, answer in DIRECT_HELDOUT:
        heldout.append({**direct_row(r, query, answer, heldout_pool), "tool_split": "heldout"})
    r.shuffle(train)
    rename = random.Random(RENAME_SEED)
    train = [renamed(rename, row) if rename.random() < RENAME_SHARE else row for row in train]
    for prefix, rows in (("tools-train", train), ("tools-heldout", heldout)):
        for i, row in enumerate(rows):
            row["id"] = f"{prefix}-{i:03d}"
    return train, heldout


FIELDS = ("id", "kind", "tool_split", "tools", "aliases", "query", "call", "result", "answer", "near_miss")


def write(rows, path: Path):
    with open(path, "w") as fh:
        for row in rows:
            fh.write(json.dumps({k: row[k] for k in FIELDS if k in row}) + "\n")


if __name__ == "__main__":
    train, heldout = build()
    write(train, REPO / "data" / "tools_train.jsonl")
    write(heldout, REPO / "data" / "tools_heldout.jsonl")
    print(f"wrote {len(train)} training and {len(heldout)} held-out rows")
