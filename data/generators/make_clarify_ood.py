"""Write lesson 02's out-of-template held-out requests: data/sft_clarify_ood.jsonl.

    python data/generators/make_clarify_ood.py        # rewrites data/sft_clarify_ood.jsonl

The training and held-out conversations (make_clarify_sft.py) fill a few fixed request templates
("How do I fix my {x}?", "What is the capital of {c}?"). These requests were written one by one,
in other words and about other things, to measure whether SFT taught the idea (ask when a request
lacks what you need, answer when it does not) or only the templates' wording. Each has a reference
reply that passes `utils.behaviors.clarify_or_answer`; the clear ones have a single right answer.
"""

from __future__ import annotations

import json
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "sft_clarify_ood.jsonl"

VAGUE = [  # (request, a clarifying question that would be a good reply)
    ("Ugh, my code won't run.", "Which language is your code in, and what error do you see when it won't run?"),
    ("Write an email for me.", "Who is the email to, and what should it say?"),
    ("I'd like to get in shape this year, thoughts?", "How much time can you give each week, and do you prefer a gym or getting in shape at home?"),
    ("Could you translate something for me?", "What text should I translate, and into which language?"),
    ("My tomato plants look unhealthy.", "Are the tomato leaves turning yellow, getting spots, or wilting?"),
    ("Pick a name for my new business.", "What does your business do, and what feeling should its name give?"),
    ("I keep sleeping badly.", "Is it hard to fall asleep, or do you wake up during the night when sleeping?"),
    ("Teach me something about history.", "Which period or place in history interests you most?"),
    ("My essay needs work.", "What does your essay need most: a clearer argument, a better structure, or fewer errors?"),
    ("The soup I made tastes off.", "How does the soup taste: too salty, too bland, or sour?"),
    ("Which one should I buy?", "What are you choosing between, and what will you use it for after you buy it?"),
    ("Make my resume better.", "What job is your resume for, and which part of it worries you most?"),
    ("I'm nervous about tomorrow.", "What is happening tomorrow that makes you nervous?"),
    ("Need a costume idea!", "What is the costume for, and should it be funny or scary?"),
    ("Our team keeps missing deadlines.", "Why does your team miss its deadlines: too much work, unclear tasks, or late approvals?"),
    ("Explain the thing we talked about.", "Which thing do you mean, and what about it should I explain?"),
    ("My dog is acting strange.", "What is your dog doing that seems strange: not eating, hiding, or something else?"),
    ("Can you make this shorter?", "Which text would you like shorter, and how short should it be?"),
    ("I want to learn an instrument.", "Which instrument interests you, and how much time can you practise each week?"),
    ("Help with my taxes, please.", "Which country do you pay taxes in, and what part of them is confusing?"),
    ("The lights in my flat flicker.", "Do all the lights flicker or only one, and does it happen when an appliance turns on?"),
    ("Something to watch tonight?", "What do you feel like watching tonight: a comedy, a thriller, or a documentary?"),
    ("My neighbour is too loud.", "When is your neighbour loud, and have you talked to them about it yet?"),
    ("Draw up a schedule for me.", "What should the schedule cover, and for how many days?"),
]
CLEAR = [  # (request, a one-sentence answer)
    ("Which planet is closest to the sun?", "Mercury is the planet closest to the sun."),
    ("How many legs does a spider have?", "A spider has eight legs."),
    ("Tell me what 9 squared is.", "9 squared is 81."),
    ("Name the largest ocean on Earth.", "The Pacific is the largest ocean on Earth."),
    ("In which country is the Eiffel Tower?", "The Eiffel Tower is in France."),
    ("How many sides does a hexagon have?", "A hexagon has six sides."),
    ("What colour do you get when you mix blue and yellow?", "Mixing blue and yellow gives green."),
    ("Who wrote Romeo and Juliet?", "William Shakespeare wrote Romeo and Juliet."),
    ("At what temperature in Celsius does water freeze?", "Water freezes at 0 degrees Celsius."),
    ("How many continents are there?", "There are seven continents."),
    ("Which gas do plants take in from the air?", "Plants take in carbon dioxide from the air."),
    ("Quick one: half of 90?", "Half of 90 is 45."),
    ("Is a tomato a fruit or a vegetable?", "A tomato is a fruit."),
    ("What's the boiling point of water in Celsius?", "Water boils at 100 degrees Celsius."),
    ("Which is bigger, 0.5 or 0.45?", "0.5 is bigger than 0.45."),
    ("What language do people speak in Brazil?", "People in Brazil speak Portuguese."),
    ("Roughly how many days are in a year?", "A year has 365 days."),
    ("Give me a synonym for 'big'.", "A synonym for 'big' is 'large'."),
    ("What's the last letter of the English alphabet?", "The last letter of the English alphabet is Z."),
    ("Which animal is called the king of the jungle?", "The lion is called the king of the jungle."),
    ("How many players does a football team have on the pitch?", "A football team has eleven players on the pitch."),
    ("What do bees make?", "Bees make honey."),
    ("Add 250 and 175 for me.", "250 plus 175 is 425."),
    ("Which month comes after March?", "April comes after March."),
]


def build() -> list[dict]:
    rows = []
    for kind, pairs in (("vague", VAGUE), ("clear", CLEAR)):
        for request, reply in pairs:
            rows.append({"id": f"ood-{len(rows):04d}", "kind": kind, "topic": "out-of-template",
                         "messages": [{"role": "user", "content": request}, {"role": "assistant", "content": reply}]})
    return rows


if __name__ == "__main__":
    with open(OUT, "w") as fh:
        for row in build():
            fh.write(json.dumps(row) + "\n")
    print(f"wrote {OUT}")
