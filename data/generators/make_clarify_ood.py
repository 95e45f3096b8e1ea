"""Write lesson 02's out-of-template held-out requests: data/sft_clarify_ood.jsonl.

    python data/generators/make_clarify_ood.py        # rewrites data/sft_clarify_ood.jsonl

The training and held-out conversations (make_clarify_sft.py) fill a few fixed request templates
("How do I fix my {x}?", "What is the capital of {c}?"). These requests were written one by one,
in other words and about other things, to measure whether SFT taught the idea (ask when a request
lacks what you need, answer when it does not) or only the templates' wording. Each has a reference
reply that passes `utils.behaviors.clarify_or_answer`. A vague request lacks something only the
user can supply (the text, the item, the error); a clear one has a single right answer.
"""

from __future__ import annotations

import json
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "sft_clarify_ood.jsonl"

VAGUE = [  # (request, a clarifying question that would be a good reply)
    ("Ugh, my code won't run.", "Which language is your code in, and what error do you see when it won't run?"),
    ("Write an email for me.", "Who is the email to, and what should it say?"),
    ("Summarise the article for me.", "Which article should I summarise: could you paste its text or give its title?"),
    ("Could you translate something for me?", "What text should I translate, and into which language?"),
    ("My tomato plants look unhealthy.", "Are the tomato leaves turning yellow, getting spots, or wilting?"),
    ("Pick a name for my new business.", "What does your business do, and what feeling should its name give?"),
    ("Is this a good price?", "What is the item, and what price were you offered for it?"),
    ("Can you check my math homework?", "Which math problems should I check, and what answers did you get?"),
    ("My essay needs work.", "What does your essay need most: a clearer argument, a better structure, or fewer errors?"),
    ("The soup I made tastes off.", "How does the soup taste: too salty, too bland, or sour?"),
    ("Which of these two phones should I buy?", "Which two phones are you choosing between, and what matters most to you in a phone?"),
    ("Make my resume better.", "What job is your resume for, and which part of it worries you most?"),
    ("I'm nervous about tomorrow.", "What is happening tomorrow that makes you nervous?"),
    ("Fix the bug in my app.", "Which app has the bug, and what happens when the bug shows up?"),
    ("Our team keeps missing deadlines.", "Why does your team miss its deadlines: too much work, unclear tasks, or late approvals?"),
    ("Explain the thing we talked about.", "Which thing do you mean, and what about it should I explain?"),
    ("My dog is acting strange.", "What is your dog doing that seems strange: not eating, hiding, or something else?"),
    ("Can you make this shorter?", "Which text would you like shorter, and how short should it be?"),
    ("I want to learn an instrument.", "Which instrument interests you, and how much time can you practise each week?"),
    ("Help with my taxes, please.", "Which country do you pay taxes in, and what part of them is confusing?"),
    ("The lights in my flat flicker.", "Do all the lights flicker or only one, and does it happen when an appliance turns on?"),
    ("Reply to my landlord for me.", "What did your landlord write, and what do you want to say in your reply?"),
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
    ("How many wheels does a tricycle have?", "A tricycle has three wheels."),
    ("Which gas do plants take in from the air?", "Plants take in carbon dioxide from the air."),
    ("Quick one: half of 90?", "Half of 90 is 45."),
    ("Which metal is liquid at room temperature?", "Mercury is the metal that is liquid at room temperature."),
    ("What's the boiling point of water in Celsius?", "Water boils at 100 degrees Celsius."),
    ("Which is bigger, 0.5 or 0.45?", "0.5 is bigger than 0.45."),
    ("What language do people speak in Brazil?", "People in Brazil speak Portuguese."),
    ("Roughly how many days are in a year?", "A year has 365 days."),
    ("In which country is the city of Kyoto?", "Kyoto is in Japan."),
    ("What's the last letter of the English alphabet?", "The last letter of the English alphabet is Z."),
    ("Which animal is called the king of the jungle?", "The lion is called the king of the jungle."),
    ("How many strings does a standard violin have?", "A standard violin has four strings."),
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
