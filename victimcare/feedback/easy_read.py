"""The 12 rights in Easy Read (English only): short sentences, one idea per
line, simple words, each section with a simple picture (an inline SVG icon
in the template, named here, with its text alternative).

Written from the Victims' Code's rights as the rights page words them; not
translated (the page says so in every language it is reached from).
"""

from __future__ import annotations

from dataclasses import dataclass

EASY_READ_TITLE = "Your rights as a victim of crime: Easy Read"
EASY_READ_ENGLISH_ONLY = "This Easy Read version is only in English."


@dataclass(frozen=True)
class Section:
    icon: str  # a name in the template's icon macro
    alt: str  # what the picture shows
    lines: tuple[str, ...]


INTRO: tuple[str, ...] = (
    "A victim is someone who has been hurt or harmed by a crime.",
    "The Victims' Code is a set of rules.",
    "It says what the police and courts must do for you.",
    "It says you have 12 rights.",
    "You can get help even if you did not tell the police about the crime.",
)

RIGHTS: tuple[Section, ...] = (
    Section(
        "talk",
        "Two speech bubbles",
        (
            "You have the right to understand and be understood.",
            "You can have an interpreter. This is free.",
            "You can ask for information in a way that works for you.",
        ),
    ),
    Section(
        "paper",
        "A sheet of paper with writing on it",
        ("The police must write down the crime.", "They must do this quickly."),
    ),
    Section(
        "info",
        "The letter i in a circle, for information",
        (
            "When you tell the police about a crime, they must give you information.",
            "They give you a crime number.",
            "They tell you how to contact the police officer in charge.",
        ),
    ),
    Section(
        "heart",
        "A heart, for help and support",
        ("The police must tell you about groups that can help you.", "The help should suit you."),
    ),
    Section(
        "pound",
        "A pound coin",
        (
            "You can get information about compensation.",
            "Compensation is money for the harm the crime caused.",
        ),
    ),
    Section(
        "search",
        "A magnifying glass",
        (
            "The police must tell you what is happening with your case.",
            "They must tell you if someone will go to court.",
        ),
    ),
    Section(
        "pen",
        "A pen writing on paper",
        (
            "You can tell the court how the crime has affected you.",
            "This is called a Victim Personal Statement.",
        ),
    ),
    Section(
        "court",
        "A court building",
        (
            "You can get information about the trial.",
            "You can find out what happens in court.",
            "You can find out what to do if you are a witness.",
        ),
    ),
    Section(
        "tick",
        "A tick in a circle",
        ("You must be told how the case ended.", "You must be told about any appeal."),
    ),
    Section(
        "box",
        "A box of belongings",
        (
            "You can get money back for going to court. For example, for travel.",
            "You can get your things back if the police took them.",
        ),
    ),
    Section(
        "person",
        "A person",
        (
            "You can get information about the offender after they are found guilty.",
            "The offender is the person who did the crime.",
        ),
    ),
    Section(
        "complain",
        "A speech bubble with an exclamation mark",
        ("You can complain if you do not get these rights.",),
    ),
)
