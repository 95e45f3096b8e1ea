"""Generate lesson 02's SFT data: ask one clarifying question when a request is vague, answer
directly in one short sentence when it is clear.

    python data/generators/make_clarify_sft.py        # rewrites data/sft_clarify_{train,heldout}.jsonl

Deterministic (seed below). Every slot pool (objects, items, countries, words, numbers) is split
once into train and held-out values, so held-out requests are about things training never saw.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

SEED = 20261127
HELDOUT_FRACTION = 0.2
OUT = Path(__file__).resolve().parent.parent

# ---------------------------------------------------------------- vague requests
# object -> two things that could be wrong with it (what a good clarifying question asks about)
BROKEN = {
    "car": ("it won't start", "it makes a strange noise"), "bike": ("the chain slips", "a tire keeps going flat"),
    "laptop": ("it won't turn on", "it is very slow"), "phone": ("the battery drains fast", "the screen is cracked"),
    "printer": ("it jams", "the prints are faded"), "washing machine": ("it won't drain", "it leaks"),
    "fridge": ("it isn't cold enough", "it makes a buzzing sound"), "dishwasher": ("dishes come out dirty", "it won't start"),
    "vacuum cleaner": ("it has lost suction", "it smells of burning"), "oven": ("it won't heat up", "it heats unevenly"),
    "router": ("the Wi-Fi keeps dropping", "the internet is slow"), "headphones": ("one side is silent", "they crackle"),
    "sink": ("it is clogged", "the tap drips"), "toilet": ("it keeps running", "it won't flush"),
    "door": ("it squeaks", "it won't close"), "window": ("it is stuck", "it lets in a draft"),
    "watch": ("it stopped", "it runs late"), "camera": ("photos are blurry", "it won't focus"),
    "keyboard": ("some keys don't work", "keys are sticky"), "television": ("there is no picture", "there is no sound"),
    "microwave": ("it doesn't heat", "the plate won't turn"), "lawn mower": ("it won't start", "it cuts unevenly"),
    "shower": ("the water pressure is low", "the water won't get hot"), "zipper": ("it is stuck", "it has come apart"),
    "umbrella": ("a rib is bent", "it won't open"), "heater": ("it won't switch on", "it smells strange"),
    "guitar": ("it won't stay in tune", "a string buzzes"), "mouse": ("the cursor jumps", "clicks don't register"),
    "coffee machine": ("it won't brew", "the coffee tastes burnt"), "air conditioner": ("it blows warm air", "it drips water"),
}
BROKEN_ASKS = [
    ("How do I fix my {x}?", "What exactly is wrong with your {x}: {a}, {b}, or something else?"),
    ("My {x} is broken. What should I do?", "What is your {x} doing: {a}, {b}, or something else?"),
    ("Something is wrong with my {x}. Can you help?", "Sure - is the problem that {a}, that {b}, or something else with your {x}?"),
    ("Can you help me repair my {x}?", "What happens when you use your {x}: {a}, {b}, or something else?"),
]
# item -> two preferences a good recommendation depends on
RECOMMEND = {
    "book": ("fiction or non-fiction", "a topic you enjoy"), "movie": ("a genre you like", "who you are watching with"),
    "laptop": ("your budget", "what you will use it for"), "restaurant": ("the city you are in", "the kind of food you like"),
    "gift": ("who it is for", "your budget"), "recipe": ("which ingredients you have", "how much time you have"),
    "podcast": ("a topic you care about", "how long you like episodes to be"), "board game": ("how many players", "their ages"),
    "hobby": ("how much time you have", "whether you prefer indoors or outdoors"), "plant": ("how much light your room gets", "how often you can water it"),
    "phone": ("your budget", "which features matter most to you"), "video game": ("a genre you like", "your console or PC"),
    "holiday destination": ("your budget", "whether you want beaches, cities or mountains"), "running shoe": ("where you run", "how far you run each week"),
    "camera": ("your budget", "what you want to photograph"), "song": ("a genre you like", "the mood you are in"),
    "exercise": ("your fitness level", "the equipment you have"), "course": ("the subject you want to learn", "how many hours a week you have"),
    "pet": ("how much space you have", "how much time you can spend with it"), "car": ("your budget", "how many people it must carry"),
    "coffee": ("how you brew it", "whether you like it strong or mild"), "tent": ("how many people", "which season you camp in"),
    "bicycle": ("where you will ride it", "your budget"), "wine": ("the food it goes with", "your budget"),
}
RECOMMEND_ASKS = [
    ("Can you recommend a {x}?", "Happy to help - what should the {x} suit: {a}, or {b}?"),
    ("What {x} should I get?", "To choose a good {x}, can you tell me {a} and {b}?"),
    ("I need a good {x}. Any ideas?", "What matters most for the {x}: {a}, or {b}?"),
    ("Suggest a {x} for me.", "Could you tell me {a} and {b}, so I can suggest the right {x}?"),
]
# plan -> two facts a plan depends on
PLANS = {
    "trip": ("where you want to go", "how many days you have"), "party": ("how many guests", "your budget"),
    "wedding": ("the number of guests", "the date and budget"), "workout routine": ("your goal", "how many days a week you can train"),
    "study schedule": ("which exam or subject", "how many weeks you have"), "birthday dinner": ("how many people", "any dietary needs"),
    "garden": ("how much space you have", "how much sun it gets"), "budget": ("your monthly income", "your main expenses"),
    "move to a new city": ("which city", "when you plan to move"), "team meeting": ("its goal", "how long it should be"),
    "picnic": ("how many people", "where you want to go"), "vacation": ("your budget", "the kind of place you like"),
    "weekly menu": ("how many people you cook for", "any foods to avoid"), "reading list": ("topics you like", "how much time you read each week"),
    "camping trip": ("where you will camp", "how many nights"), "presentation": ("the audience", "how long it should be"),
    "fundraiser": ("the cause", "how much you hope to raise"), "road trip": ("the start and end points", "how many days you have"),
    "baby shower": ("the number of guests", "the budget"), "language learning plan": ("which language", "how much time you have each day"),
}
PLAN_ASKS = [
    ("Help me plan a {x}.", "Glad to help - can you tell me {a} and {b} for the {x}?"),
    ("Can you plan a {x} for me?", "Sure - what are {a} and {b} for this {x}?"),
    ("I want to organise a {x}. Where do I start?", "To plan the {x}, could you tell me {a} and {b}?"),
]

# ---------------------------------------------------------------- clear requests
CAPITALS = {
    "France": "Paris", "Japan": "Tokyo", "Italy": "Rome", "Spain": "Madrid", "Germany": "Berlin", "Canada": "Ottawa",
    "Egypt": "Cairo", "Kenya": "Nairobi", "Peru": "Lima", "Norway": "Oslo", "Sweden": "Stockholm", "Greece": "Athens",
    "Portugal": "Lisbon", "Ireland": "Dublin", "Poland": "Warsaw", "Austria": "Vienna", "Chile": "Santiago",
    "Argentina": "Buenos Aires", "Mexico": "Mexico City", "India": "New Delhi", "China": "Beijing", "Thailand": "Bangkok",
    "Vietnam": "Hanoi", "Australia": "Canberra", "Finland": "Helsinki", "Denmark": "Copenhagen", "Hungary": "Budapest",
    "Cuba": "Havana", "Colombia": "Bogota", "Morocco": "Rabat", "Ghana": "Accra", "Turkey": "Ankara",
    "South Korea": "Seoul", "Indonesia": "Jakarta", "Belgium": "Brussels", "Netherlands": "Amsterdam",
    "Czech Republic": "Prague", "Iceland": "Reykjavik", "Nigeria": "Abuja", "Brazil": "Brasilia",
}
OPPOSITES = {
    "hot": "cold", "tall": "short", "early": "late", "happy": "sad", "light": "dark", "fast": "slow", "open": "closed",
    "rich": "poor", "empty": "full", "strong": "weak", "loud": "quiet", "wet": "dry", "hard": "soft", "young": "old",
    "inside": "outside", "above": "below", "cheap": "expensive", "clean": "dirty", "thick": "thin", "begin": "end",
    "win": "lose", "push": "pull", "buy": "sell", "arrive": "leave", "remember": "forget", "accept": "refuse",
}
PLURALS = {
    "child": "children", "mouse": "mice", "tooth": "teeth", "foot": "feet", "person": "people", "woman": "women",
    "goose": "geese", "knife": "knives", "leaf": "leaves", "wolf": "wolves", "city": "cities", "box": "boxes",
    "bus": "buses", "cactus": "cacti", "sheep": "sheep", "fish": "fish", "potato": "potatoes", "half": "halves",
    "baby": "babies", "church": "churches", "life": "lives", "shelf": "shelves", "hero": "heroes", "ox": "oxen",
}
UNITS = [  # (question template, answer template, factor)
    ("How many minutes are in {n} hours?", "There are {v} minutes in {n} hours.", 60),
    ("How many days are in {n} weeks?", "There are {v} days in {n} weeks.", 7),
    ("How many grams are in {n} kilograms?", "There are {v} grams in {n} kilograms.", 1000),
    ("How many centimeters are in {n} meters?", "There are {v} centimeters in {n} meters.", 100),
    ("How many months are in {n} years?", "There are {v} months in {n} years.", 12),
    ("How many seconds are in {n} minutes?", "There are {v} seconds in {n} minutes.", 60),
]


def split(pool, rng):
    """Shuffle a pool's keys and cut it into (train, held-out) values."""
    keys = sorted(pool)
    rng.shuffle(keys)
    cut = max(1, round(len(keys) * HELDOUT_FRACTION))
    return keys[cut:], keys[:cut]


def vague_rows(pool, asks, keys, topic):
    for x in keys:
        a, b = pool[x]
        for ask, reply in asks:
            yield {"kind": "vague", "topic": topic, "request": ask.format(x=x), "reply": reply.format(x=x, a=a, b=b)}


def clear_rows(rng, countries, opposites, plurals, numbers, unit_offset):
    for c in countries:
        yield {"kind": "clear", "topic": "capital", "request": f"What is the capital of {c}?",
               "reply": f"The capital of {c} is {CAPITALS[c]}."}
    for w in opposites:
        yield {"kind": "clear", "topic": "opposite", "request": f"What is the opposite of '{w}'?",
               "reply": f"The opposite of '{w}' is '{OPPOSITES[w]}'."}
    for w in plurals:
        yield {"kind": "clear", "topic": "plural", "request": f"What is the plural of '{w}'?",
               "reply": f"The plural of '{w}' is '{PLURALS[w]}'."}
    for a, b in numbers:
        op = rng.choice(["plus", "times", "minus"])
        value = {"plus": a + b, "times": a * b, "minus": a - b}[op]
        yield {"kind": "clear", "topic": "arithmetic", "request": f"What is {a} {op} {b}?", "reply": f"{a} {op} {b} is {value}."}
        question, answer, factor = rng.choice(UNITS)
        n = a % 29 + unit_offset  # train and held-out use disjoint ranges of n
        yield {"kind": "clear", "topic": "units", "request": question.format(n=n), "reply": answer.format(n=n, v=n * factor)}


def build():
    rng = random.Random(SEED)
    splits = {name: split(pool, rng) for name, pool in
              [("broken", BROKEN), ("recommend", RECOMMEND), ("plans", PLANS),
               ("capitals", CAPITALS), ("opposites", OPPOSITES), ("plurals", PLURALS)]}
    numbers = [(rng.randint(11, 99), rng.randint(2, 49)) for _ in range(120)]
    out = {}
    for i, part in enumerate(("train", "heldout")):
        rows = [*vague_rows(BROKEN, BROKEN_ASKS, splits["broken"][i], "repair"),
                *vague_rows(RECOMMEND, RECOMMEND_ASKS, splits["recommend"][i], "recommendation"),
                *vague_rows(PLANS, PLAN_ASKS, splits["plans"][i], "planning"),
                *clear_rows(rng, splits["capitals"][i], splits["opposites"][i], splits["plurals"][i],
                            numbers[:96] if part == "train" else numbers[96:], 2 if part == "train" else 31)]
        out[part] = rows
    train_requests = {r["request"] for r in out["train"]}
    out["heldout"] = [r for r in out["heldout"] if r["request"] not in train_requests]  # e.g. "What is 2 plus 3?" twice
    for part, rows in out.items():
        rng.shuffle(rows)
        with open(OUT / f"sft_clarify_{part}.jsonl", "w") as fh:
            for n, row in enumerate(rows):
                messages = [{"role": "user", "content": row["request"]}, {"role": "assistant", "content": row["reply"]}]
                fh.write(json.dumps({"id": f"{part}-{n:04d}", "kind": row["kind"], "topic": row["topic"], "messages": messages}) + "\n")
        print(f"{part}: {len(rows)} conversations "
              f"({sum(r['kind'] == 'vague' for r in rows)} vague, {sum(r['kind'] == 'clear' for r in rows)} clear)")


if __name__ == "__main__":
    build()
