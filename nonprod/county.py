"""The fictional county the demo runs on: towns with real postcode districts, practices,
PCNs and staff. Every practice and person is made up."""

from dataclasses import dataclass

# Town -> postcode districts (real Northamptonshire outward codes).
TOWNS = {
    "Northampton": ["NN1", "NN2", "NN3", "NN4", "NN5"],
    "Kettering": ["NN15", "NN16"],
    "Corby": ["NN17", "NN18"],
    "Wellingborough": ["NN8", "NN9"],
    "Daventry": ["NN11"],
    "Towcester": ["NN12"],
    "Brackley": ["NN13"],
    "Rushden": ["NN10"],
    "Oundle": ["PE8"],
}

PCNS = [
    ("Northampton Central PCN", "U00001", ["Northampton"]),
    ("North Northamptonshire PCN", "U00002", ["Kettering", "Corby"]),
    ("Nene Valley PCN", "U00003", ["Wellingborough", "Rushden", "Oundle"]),
    ("West Northamptonshire Rural PCN", "U00004", ["Daventry", "Towcester", "Brackley"]),
]

# (practice name, town). ODS-like codes are generated (Y9xxxx is never a real practice).
PRACTICES = [
    ("Abington Park Surgery", "Northampton"),
    ("Kingsthorpe Village Practice", "Northampton"),
    ("Weston Favell Health Centre", "Northampton"),
    ("Far Cotton Family Practice", "Northampton"),
    ("Duston Road Medical Group", "Northampton"),
    ("Market Square Surgery", "Northampton"),
    ("Rockingham Forest Practice", "Kettering"),
    ("Wicksteed Medical Centre", "Kettering"),
    ("Lodge Park Surgery", "Corby"),
    ("Oakley Vale Practice", "Corby"),
    ("Nene Meadows Surgery", "Wellingborough"),
    ("Swanspool Medical Centre", "Wellingborough"),
    ("Borough Hill Surgery", "Daventry"),
    ("Watling Street Practice", "Towcester"),
    ("Brackley Old Town Surgery", "Brackley"),
    ("Spencer Park Medical Centre", "Rushden"),
    ("Higham Road Surgery", "Rushden"),
    ("Oundle Riverside Practice", "Oundle"),
    ("Moulton Fields Surgery", "Northampton"),
    ("Irchester Lane Practice", "Wellingborough"),
]

GP_NAMES = [
    "Dr Amara Okoye",
    "Dr Ben Hartley",
    "Dr Chloe Patel",
    "Dr Daniel Evans",
    "Dr Ella Morgan",
    "Dr Farid Hussain",
    "Dr Grace Whitfield",
    "Dr Harry Lim",
    "Dr Imogen Clarke",
    "Dr James Adebayo",
    "Dr Katie Brennan",
    "Dr Liam O'Neill",
    "Dr Maya Rahman",
    "Dr Nathan Cole",
    "Dr Olivia Shaw",
    "Dr Priyanka Desai",
    "Dr Rory Fitzgerald",
    "Dr Sana Qureshi",
    "Dr Tom Ridley",
    "Dr Uma Krishnan",
]

TEAM_LEAD = "Priya Shah"
LINK_WORKERS = [
    ("Jo Bennett", ["Northampton"]),
    ("Sam Okafor", ["Northampton"]),
    ("Kerry Walsh", ["Northampton", "Daventry"]),
    ("Hassan Ali", ["Kettering"]),
    ("Leanne Marsh", ["Corby"]),
    ("Dev Mistry", ["Wellingborough", "Rushden"]),
    ("Fiona Grant", ["Towcester", "Brackley"]),
    ("Mark Ellis", ["Oundle", "Corby", "Kettering"]),
]
COMMISSIONER = "Helen Curtis"

GIVEN_NAMES = [
    "Margaret",
    "Patricia",
    "Susan",
    "Linda",
    "Janet",
    "Elaine",
    "Carol",
    "Sandra",
    "Pauline",
    "Joan",
    "Doreen",
    "Irene",
    "Amy",
    "Sophie",
    "Jade",
    "Chantelle",
    "Aisha",
    "Fatima",
    "Agnieszka",
    "Oksana",
    "Grace",
    "Chloe",
    "Emma",
    "Hannah",
    "Priya",
    "John",
    "David",
    "Peter",
    "Michael",
    "Brian",
    "Keith",
    "Derek",
    "Colin",
    "Graham",
    "Trevor",
    "Ray",
    "Tomasz",
    "Mohammed",
    "Kwame",
    "Liam",
    "Ryan",
    "Jordan",
    "Daniel",
    "Adam",
    "Tariq",
    "Stanley",
    "Arthur",
    "Dennis",
    "Barry",
    "Kevin",
]
FAMILY_NAMES = [
    "Smith",
    "Jones",
    "Taylor",
    "Brown",
    "Wilson",
    "Evans",
    "Thomas",
    "Roberts",
    "Walker",
    "Wright",
    "Thompson",
    "White",
    "Hughes",
    "Edwards",
    "Green",
    "Hall",
    "Wood",
    "Harris",
    "Clarke",
    "Jackson",
    "Turner",
    "Hill",
    "Cooper",
    "Ward",
    "Morris",
    "King",
    "Watson",
    "Kowalski",
    "Nowak",
    "Khan",
    "Begum",
    "Patel",
    "Mensah",
    "Osei",
    "Murphy",
    "Kelly",
    "Doherty",
    "Baker",
    "Parker",
    "Bennett",
    "Cox",
    "Richardson",
    "Marshall",
    "Pearce",
    "Fletcher",
    "Chapman",
    "Palmer",
    "Stevens",
    "Holmes",
    "Gibson",
]

# Referral contexts by need, in a GP's words.
CONTEXTS = {
    "loneliness": [
        "Lives alone since her husband died last year; says some days she speaks to nobody.",
        "Moved here to be near his daughter, knows no one locally. Comes in often about minor "
        "things - I think he wants company.",
        "Housebound after a fall, family abroad. Would like to get out more.",
    ],
    "anxiety": [
        "Panic attacks on buses, now avoids going into town. Not wanting medication.",
        "Worried all the time since losing his job; poor sleep. Open to relaxation classes.",
    ],
    "low-mood": [
        "Low since retiring, lost routine and purpose. PHQ-9 mild. Keen to try something.",
        "Flat mood through the winter, stopped going to her choir.",
    ],
    "new-parent": [
        "First baby 3 months ago, partner working away, feels isolated. Health visitor aware.",
        "Struggling after second baby, would like to meet other mums.",
    ],
    "mental-health-crisis": [
        "Discharged from crisis team last month, stable now; needs structure and peer support.",
    ],
    "long-term-condition": [
        "Type 2 diabetes, COPD. Would benefit from gentle activity and a walking group.",
        "Chronic back pain, off work, low confidence about exercise.",
    ],
    "physical-activity": ["Wants to lose weight and get fitter but does not like gyms."],
    "money-debt": [
        "Council tax arrears and bailiff letters; very anxious about it.",
        "Universal Credit stopped after a missed appointment, rent arrears building.",
    ],
    "housing": ["Damp flat affecting her asthma, landlord not responding."],
    "carer": ["Full-time carer for husband with dementia, exhausted, no breaks."],
    "bereavement": ["Son died two years ago; finding anniversaries very hard."],
}

WHAT_MATTERS = [
    "Having someone to talk to during the week. I used to love my garden and would like to "
    "get back to it.",
    "Feeling useful again. I was a joiner for 40 years; I miss making things with other people.",
    "Getting out of the house without panicking. Being able to take my granddaughter to the park.",
    "Sorting out the money so I can sleep at night.",
    "Meeting other mums who get it. Not feeling like I'm failing.",
    "Singing again. The choir was the best part of my week.",
    "A bit of time for me, away from caring, without feeling guilty.",
    "Walking a bit further each week so I can get to the shops on my own.",
]

GOALS = [
    "Go to the Happy Cafe on a Tuesday and talk to one new person",
    "Walk to the end of the road and back three times a week",
    "Join the men's shed and go at least twice a month",
    "Get the council tax arrears on a payment plan",
    "Go to the parent-and-baby group with the baby",
    "Try the relaxation class at the cafe in Towcester",
    "Ring my sister every Sunday",
    "Get a carer's assessment and a regular break",
    "Join the community garden on Saturdays",
]

# Villages around the towns, for a directory that is not all in nine town centres:
# name -> (postcode district, latitude, longitude), roughly where they are.
VILLAGES = {
    "Brixworth": ("NN6", 52.330, -0.904),
    "Long Buckby": ("NN6", 52.305, -1.077),
    "Guilsborough": ("NN6", 52.355, -1.013),
    "Earls Barton": ("NN6", 52.265, -0.753),
    "Crick": ("NN6", 52.348, -1.136),
    "Bugbrooke": ("NN7", 52.209, -1.013),
    "Roade": ("NN7", 52.160, -0.897),
    "Cogenhoe": ("NN7", 52.237, -0.783),
    "Weedon Bec": ("NN7", 52.232, -1.080),
    "Byfield": ("NN11", 52.176, -1.242),
    "Woodford Halse": ("NN11", 52.166, -1.212),
    "Braunston": ("NN11", 52.290, -1.203),
    "Silverstone": ("NN12", 52.089, -1.030),
    "Greens Norton": ("NN12", 52.141, -1.024),
    "Syresham": ("NN13", 52.065, -1.090),
    "Croughton": ("NN13", 51.996, -1.208),
    "Middleton Cheney": ("OX17", 52.073, -1.276),
    "King's Sutton": ("OX17", 52.020, -1.277),
    "Rothwell": ("NN14", 52.422, -0.802),
    "Desborough": ("NN14", 52.440, -0.820),
    "Thrapston": ("NN14", 52.397, -0.537),
    "Burton Latimer": ("NN15", 52.364, -0.677),
    "Raunds": ("NN9", 52.345, -0.538),
    "Irthlingborough": ("NN9", 52.327, -0.612),
    "Finedon": ("NN9", 52.339, -0.654),
    "Higham Ferrers": ("NN10", 52.305, -0.590),
    "Irchester": ("NN29", 52.280, -0.648),
    "Wollaston": ("NN29", 52.259, -0.671),
    "Bozeat": ("NN29", 52.223, -0.673),
    "Weldon": ("NN17", 52.497, -0.637),
    "King's Cliffe": ("PE8", 52.563, -0.515),
    "Nassington": ("PE8", 52.556, -0.429),
    "Deanshanger": ("MK19", 52.045, -0.887),
}

VENUES = [
    "Community Centre",
    "Library",
    "Church Hall",
    "Methodist Hall",
    "Village Hall",
    "Baptist Church",
    "Salvation Army Hall",
    "Scout Hut",
    "Quaker Meeting House",
]


@dataclass(frozen=True)
class Kind:
    """A kind of community activity, written as its provider would describe it.

    `names` and `description` may use {town}, {venue} (e.g. "Daventry Library") and
    {Day} (the weekday of its first session); `sessions` holds the alternatives for when
    it meets, each "BYDAY HH:MM-HH:MM" entries joined by ", " ("2TU" is the second Tuesday
    of the month; "" is by arrangement, with no timetable)."""

    names: tuple[str, ...]
    provider: str
    needs: tuple[str, ...]
    sessions: tuple[str, ...]
    price: str | None
    description: str
    join: str
    eligibility: str = ""
    ages: tuple[int | None, int | None] = (None, None)
    venues: tuple[str, ...] = ()
    # A refuge's or a domestic-abuse group's address is given on booking, never published:
    # the listing shows its town only.
    confidential: bool = False
    # How many towns have one: 9 for what every town has (a walking group, a food bank),
    # 1 for the county's only one (a hearing voices group).
    spread: int = 2


# The demo county's kinds of activity. Each town has at most one of each kind (see
# nonprod.demo._activities); names that say nothing ("Open Door") leave it to the words.
ACTIVITY_KINDS = [
    # Company and friendship
    Kind(
        ("Happy Cafe {town}", "{town} Happy Cafe"),
        "{town} Happy Cafe",
        ("loneliness", "low-mood"),
        ("TU 10:00-12:00", "FR 10:00-12:00", "SA 10:00-12:00"),
        None,
        "A friendly drop-in where people chat over tea and cake about what helps them feel "
        "well. Volunteers keep a table for anyone who comes on their own, and there is a "
        "shelf of leaflets about other groups in {town}.",
        "Just turn up; volunteers will welcome you at the door.",
        venues=("Cafe", "Library", "Community Centre"),
        spread=9,
    ),
    Kind(
        ("The {Day} Club", "{Day} Friends"),
        "{town} Friendship Circle",
        (),
        ("TU 13:30-15:30", "TH 13:30-15:30", "WE 14:00-16:00"),
        "2.00",
        "An afternoon social club for older people who live on their own. We play bingo and "
        "dominoes, have a quiz, and there is always tea, sandwiches and a raffle. Many members "
        "came first because they hardly saw anyone from one week to the next.",
        "Come along, or ring us and a volunteer driver may be able to collect you.",
        eligibility="For people aged 60 and over.",
        ages=(60, None),
    ),
    Kind(
        ("Open Door", "The Open Door"),
        "{town} Churches Together",
        (),
        ("WE 10:00-12:30", "TH 10:00-12:30", "MO 10:00-12:30"),
        None,
        "Every week the doors of {venue} are open for anyone who wants a hot drink, a bacon "
        "roll and somebody to talk to. Nobody will preach at you. If you are struggling with "
        "money, housing or being on your own, our volunteers can put you in touch with people "
        "who can help.",
        "Walk in any time in the morning.",
        venues=("Church Hall", "Methodist Hall", "Baptist Church"),
    ),
    Kind(
        ("{town} Lunch Club", "Good Company Lunch Club"),
        "Age Well Northamptonshire ({town})",
        ("loneliness",),
        ("WE 12:00-14:00", "TH 12:00-14:00", "FR 12:00-14:00"),
        "6.50",
        "A two-course cooked lunch with pudding, served at the table, followed by a game of "
        "bingo or a speaker. It is a chance to meet people of your own age and have a proper "
        "meal in good company. Special diets catered for if you tell us in advance.",
        "Please book a place by phone by the Monday before.",
        eligibility="For people aged 65 and over.",
        ages=(65, None),
        spread=9,
    ),
    Kind(
        ("{town} Telephone Friends", "Phone a Friend {town}"),
        "{town} Good Neighbours",
        ("loneliness", "bereavement", "carer"),
        ("",),
        None,
        "A trained volunteer rings you for a chat once a week, at a time that suits you, for as "
        "long as you like. Good for anyone who finds it hard to get out, or who has lost the "
        "person they used to talk to every day.",
        "Referral by your link worker, GP or a family member with your agreement.",
        eligibility="For adults who live in or near {town}.",
        ages=(18, None),
        venues=("Office",),
        spread=9,
    ),
    Kind(
        ("{town} Home Visiting Befrienders",),
        "{town} Good Neighbours",
        ("loneliness",),
        ("",),
        None,
        "A volunteer visits you at home every week or two for a cup of tea and a chat, and can "
        "come with you to the shops or a local group once you feel ready. All volunteers are "
        "DBS checked.",
        "Your link worker can refer you; we visit first to get to know you.",
        eligibility="For people over 60 who are housebound or rarely go out.",
        ages=(60, None),
        venues=("Office",),
    ),
    Kind(
        ("Knit and Natter {town}", "{town} Stitch and Chat"),
        "{town} Library Friends",
        ("loneliness",),
        ("MO 14:00-16:00", "TH 10:00-12:00", "WE 14:00-16:00"),
        None,
        "Bring whatever you are knitting, crocheting or sewing, or learn from scratch with "
        "needles and wool we lend you. The chat matters more than the stitches. We also knit "
        "blankets for the neonatal unit.",
        "Just come along.",
        venues=("Library",),
        spread=9,
    ),
    Kind(
        ("{Day} Widows and Widowers", "{town} Second Chapter Social"),
        "{town} Second Chapter",
        ("bereavement", "loneliness"),
        ("WE 14:00-16:00", "TU 14:00-16:00"),
        "2.50",
        "A social group for people who have lost a husband, wife or partner and want to get out "
        "and enjoy some company again. It is not a counselling group: we go on trips, have "
        "meals out and share a pot of tea. Most members came after a year or two on their own.",
        "Ring Jean before your first visit and she will meet you.",
        eligibility="For people who have lost a partner.",
    ),
    Kind(
        ("Games Afternoon at {venue}", "{town} Board Games Club"),
        "{town} Community Association",
        ("loneliness",),
        ("SU 14:00-17:00", "FR 14:00-16:30"),
        "1.00",
        "Scrabble, chess, cards and modern board games for all ages over 16. Friendly players "
        "will teach you the rules. Hot drinks included.",
        "Just come along.",
        ages=(16, None),
    ),
    Kind(
        ("{town} Reminiscence Group", "Memories Matter"),
        "{town} Heritage Society",
        ("loneliness", "low-mood"),
        ("TU 10:30-12:00", "TH 14:00-15:30"),
        None,
        "We look at old photographs, objects and films of {town} and share what we remember "
        "about work, school and growing up here. Relaxed and sociable, with plenty of tea.",
        "Just turn up.",
        venues=("Library", "Museum", "Community Centre"),
    ),
    Kind(
        ("English Conversation Cafe {town}", "Speak Easy {town}"),
        "{town} Welcome Network",
        ("loneliness",),
        ("TH 18:00-19:30", "SA 10:00-11:30", "TU 13:00-14:30"),
        None,
        "Practise speaking English in a relaxed group with volunteers, and get to know people "
        "who have also come to live here from other countries. All levels welcome; not a formal "
        "class. Children can come with a parent.",
        "Drop in.",
        eligibility="For people whose first language is not English.",
    ),
    Kind(
        ("Rainbow Social {town}", "{town} Pride Social"),
        "{town} LGBTQ+ Network",
        ("loneliness",),
        ("3TH 19:00-21:00", "2FR 19:00-21:00"),
        None,
        "A monthly get-together for lesbian, gay, bisexual, trans and questioning adults, in a "
        "quiet room rather than a bar. Board games, chat and a different outing each season.",
        "Email or just come; someone will be at the door.",
        eligibility="For LGBTQ+ adults aged 18 and over.",
        ages=(18, None),
        venues=("Cafe", "Community Centre"),
        spread=1,
    ),
    Kind(
        ("The Hub {town}", "Next Step Social"),
        "{town} Young Adults Project",
        ("loneliness", "anxiety"),
        ("TU 18:00-20:00", "TH 18:00-20:00"),
        None,
        "An evening group for young adults who feel a bit stuck or on their own: pizza, games, "
        "cooking and trips, planned by the members. Staff can also help with CVs, college and "
        "benefits.",
        "Ring or message the youth worker, or ask your link worker to introduce you.",
        eligibility="For young people aged 16 to 25.",
        ages=(16, 25),
        venues=("Youth Centre", "Community Centre"),
    ),
    Kind(
        ("Friendship Lunch for Asian Elders", "{town} Sangat Lunch"),
        "{town} Asian Community Association",
        ("loneliness", "long-term-condition"),
        ("SU 12:00-14:30", "WE 11:30-14:00"),
        "3.00",
        "A vegetarian lunch and chair exercises for South Asian elders, with talks on health in "
        "Gujarati, Punjabi and Hindi. Transport can be arranged for people who cannot walk far.",
        "Ring the association office.",
        eligibility="For South Asian people aged 55 and over.",
        ages=(55, None),
        venues=("Community Centre",),
        spread=1,
    ),
    Kind(
        ("{town} Community Fridge and Cafe", "The Pantry {town}"),
        "{town} Food Network",
        ("money-debt", "loneliness"),
        ("TU 11:00-14:00", "FR 12:00-15:00"),
        None,
        "Food from supermarkets that would otherwise be thrown away, free for anyone to take, "
        "and a pay-as-you-feel cafe alongside. No questions asked and no referral needed.",
        "Walk in; bring a bag.",
        venues=("Community Centre", "Church Hall"),
    ),
    Kind(
        ("{town} Community Meal", "{Day} Supper Club"),
        "{town} Churches Together",
        ("loneliness", "money-debt"),
        ("SU 17:00-19:00", "MO 17:30-19:00"),
        None,
        "A free hot two-course meal every week, cooked by volunteers and eaten around shared "
        "tables. Everyone is welcome, whether you are short of money or just short of company.",
        "No need to book.",
        venues=("Church Hall", "Salvation Army Hall"),
    ),
    # Bereavement and grief
    Kind(
        ("Bereavement Cafe {town}", "The Quiet Room"),
        "{town} Bereavement Support",
        ("bereavement", "loneliness"),
        ("2TU 14:00-16:00", "1TH 14:00-16:00", "3WE 10:00-12:00"),
        None,
        "A monthly cafe where you can talk, or just sit, with others who have lost someone. "
        "Trained volunteers are there to listen. Come as often as you like, for as long as you "
        "need, however long ago your loss.",
        "Drop in.",
        spread=9,
    ),
    Kind(
        ("Bereavement Support ({town})",),
        "Northamptonshire Bereavement Support",
        ("bereavement", "low-mood"),
        ("MO 10:00-16:00, TH 10:00-16:00", "WE 12:00-19:00"),
        None,
        "One-to-one support from a trained bereavement volunteer, usually six to eight sessions "
        "of an hour, in person at {venue} or by phone. For adults who are struggling after "
        "someone close to them has died, including after suicide or a sudden death.",
        "Refer yourself by phone; we call back within ten working days.",
        ages=(18, None),
        venues=("Counselling Rooms", "Community Centre"),
    ),
    Kind(
        ("After Loss Walking Group {town}",),
        "{town} Bereavement Support",
        ("bereavement", "physical-activity"),
        ("SA 10:00-11:30", "SU 10:30-12:00"),
        None,
        "A gentle hour's walk for people who have been bereaved, followed by coffee. Walking "
        "side by side makes it easier to talk, or not to. Paths are flat and we go at the pace "
        "of the slowest walker.",
        "Meet at the park gates; ring first if it is your first time.",
        venues=("Park",),
    ),
    # Carers
    Kind(
        ("Carers' Cuppa {town}", "{town} Carers Coffee Morning"),
        "Northamptonshire Carers ({town})",
        ("carer",),
        ("1FR 10:00-12:00", "2MO 10:00-12:00", "3TU 13:30-15:30"),
        None,
        "Time out and a chat for unpaid carers, once a month. A carer support worker comes to "
        "every session to help with carers' assessments, breaks and benefits.",
        "Just turn up. If you cannot leave the person you care for, ring us about sitting.",
        eligibility="For unpaid carers looking after a family member or friend.",
        ages=(18, None),
        spread=9,
    ),
    Kind(
        ("Time for Me {town}", "Carers' Break Sitting Service"),
        "Northamptonshire Carers ({town})",
        ("carer",),
        ("",),
        None,
        "A trained volunteer sits with the person you look after for up to three hours a week, "
        "so that you can go to an appointment, see friends or simply have a rest. Free for "
        "carers who have had a carer's assessment.",
        "Ask for a carer's assessment first; your link worker can help.",
        eligibility="For unpaid carers with a carer's assessment.",
        ages=(18, None),
        venues=("Office",),
    ),
    Kind(
        ("{town} Young Carers Club",),
        "Northamptonshire Carers ({town})",
        ("carer",),
        ("WE 16:30-18:00", "TU 16:30-18:00"),
        None,
        "A weekly club for children and teenagers who help look after someone at home: games, "
        "trips and a break from responsibility, with a worker they can talk to. Transport home is "
        "provided.",
        "Parents or schools can refer.",
        eligibility="For young carers aged 8 to 17.",
        ages=(8, 17),
        venues=("Youth Centre", "Community Centre"),
        spread=1,
    ),
    Kind(
        ("Caring for Someone with Dementia: Carers' Group",),
        "Memory Support Northamptonshire ({town})",
        ("carer", "bereavement"),
        ("2WE 14:00-15:30", "4TH 14:00-15:30"),
        None,
        "A monthly group where husbands, wives, sons and daughters caring for someone with "
        "dementia share what works and what does not. A dementia adviser answers questions about "
        "changes in behaviour, legal matters and planning ahead.",
        "Ring the dementia adviser before your first visit.",
        eligibility="For family carers of a person living with dementia.",
    ),
    # Dementia
    Kind(
        ("{town} Memory Cafe", "Forget-Me-Not Cafe"),
        "{town} Dementia Action Alliance",
        ("loneliness", "carer", "long-term-condition"),
        ("1WE 14:00-16:00", "3TH 10:30-12:30", "2SA 14:00-16:00"),
        None,
        "A monthly get-together for people living with dementia or memory problems and the "
        "people who care for them, with music, quizzes and tea. There is no need to explain "
        "anything: everyone here understands.",
        "Drop in together.",
        eligibility="For people with dementia or memory loss, and their carers.",
        spread=9,
    ),
    Kind(
        ("Singing for the Brain {town}",),
        "Memory Support Northamptonshire ({town})",
        ("long-term-condition", "carer", "loneliness"),
        ("MO 10:30-12:00", "TH 14:00-15:30"),
        None,
        "Warm-up exercises and familiar songs from the 1950s to the 1980s, for people living "
        "with dementia together with a family member or friend. Singing helps with memory and "
        "mood, and you do not need to be able to sing.",
        "Ring to book your first session.",
        eligibility="For people living with dementia and their carers, who come together.",
    ),
    Kind(
        ("Dementia-Friendly Film Afternoon",),
        "{town} Arts Centre",
        ("loneliness", "carer"),
        ("4TU 14:00-16:30",),
        "3.00",
        "A classic film once a month with the lights low rather than off, the sound a little "
        "lower, and an interval with tea and cake. You can move about and talk. Carers go free.",
        "Tickets at the box office on the day.",
        venues=("Arts Centre", "Library"),
        spread=1,
    ),
    # Parents and families
    Kind(
        ("Bumps and Babies {town}", "{town} Baby Group"),
        "{town} Family Hub",
        ("new-parent", "loneliness"),
        ("MO 10:00-11:30", "TH 10:00-11:30"),
        None,
        "A relaxed group for pregnant women and parents with babies up to a year old. A health "
        "visitor is there for the first half hour to weigh babies and answer questions. "
        "Buggies welcome.",
        "Drop in.",
        eligibility="For parents and carers of babies under 1, and parents-to-be.",
        venues=("Family Hub", "Community Centre"),
        spread=9,
    ),
    Kind(
        ("Little Explorers", "Stay and Play {town}"),
        "{town} Family Hub",
        ("new-parent",),
        ("TU 09:30-11:00", "WE 09:30-11:00", "FR 09:30-11:00"),
        "1.50",
        "Messy play, music and a snack for toddlers, while grown-ups have a coffee and get to "
        "know each other. Staff can tell you about nursery funding and other support.",
        "Just come along; £1.50 per family.",
        eligibility="For parents and carers of children under 5.",
        venues=("Family Hub", "Church Hall"),
        spread=9,
    ),
    Kind(
        ("Baby Massage Course {town}",),
        "{town} Family Hub",
        ("new-parent", "anxiety"),
        ("TH 13:30-14:30", "MO 13:30-14:30"),
        None,
        "A five-week course teaching gentle massage for your baby, which can help with sleep, "
        "wind and colic, and gives you time to bond. Small groups of up to eight.",
        "Book a place through your health visitor or the Family Hub.",
        eligibility="For parents of babies aged 6 weeks to crawling.",
        venues=("Family Hub",),
    ),
    Kind(
        ("Mums Matter {town}",),
        "Northamptonshire Perinatal Peer Support",
        ("new-parent", "low-mood", "anxiety"),
        ("WE 10:00-11:30", "FR 10:00-11:30"),
        None,
        "A peer support group for mums who are feeling anxious, low or not themselves during "
        "pregnancy or after having a baby. Run by mums who have been there; babies are welcome "
        "in the room.",
        "Refer yourself by text, or ask your health visitor or GP.",
        eligibility="For mothers who are pregnant or have a baby under 2.",
        venues=("Family Hub", "Community Centre"),
    ),
    Kind(
        ("Dads and Little Ones {town}", "{town} Saturday Dads"),
        "{town} Family Hub",
        ("new-parent", "loneliness"),
        ("SA 09:30-11:00",),
        None,
        "A Saturday morning play session for dads, grandads and male carers with their children. "
        "Bacon rolls, coffee and a chance to meet other dads.",
        "Just turn up.",
        eligibility="For dads and male carers of children under 5.",
        venues=("Family Hub", "Community Centre"),
    ),
    Kind(
        ("Home-Start {town}",),
        "Home-Start Northamptonshire ({town})",
        ("new-parent", "low-mood"),
        ("",),
        None,
        "A trained volunteer, usually a parent themselves, visits your family at home once a week "
        "to help with whatever is hard at the moment: getting out, routines, feeling low or "
        "isolated, twins or a new baby. Support lasts as long as you need it, usually six months "
        "to a year.",
        "Referral by a health visitor, GP or link worker, or ring us yourself.",
        eligibility="For families with at least one child under 5.",
        venues=("Office",),
    ),
    Kind(
        ("Breastfeeding Cafe {town}",),
        "{town} Family Hub",
        ("new-parent",),
        ("TU 13:00-14:30", "TH 13:00-14:30"),
        None,
        "Trained peer supporters help with feeding worries, latching, expressing and returning "
        "to work. Bottle-feeding parents are just as welcome for a chat.",
        "Drop in with your baby.",
        eligibility="For parents of babies under 1.",
        venues=("Family Hub",),
    ),
    Kind(
        ("Single Parents' Network {town}",),
        "{town} Gingerbread Group",
        ("new-parent", "loneliness", "money-debt"),
        ("SA 10:00-12:00", "SU 14:00-16:00"),
        None,
        "A monthly family day out or play session for single parents and their children, with a "
        "chat group for parents and help with benefits and child maintenance. Come on your own or "
        "bring the children.",
        "Join the group by phone or message.",
        eligibility="For single parents and their children.",
    ),
    # Mental health
    Kind(
        ("{town} Recovery Peer Support",),
        "Northamptonshire Recovery College ({town})",
        ("mental-health-crisis", "anxiety", "low-mood"),
        ("WE 13:00-15:00", "MO 13:00-15:00"),
        None,
        "A peer-led group for people recovering after a mental-health crisis or a stay in "
        "hospital. Members set the topics: sleep, routine, medication, getting back to work. "
        "Run by people with lived experience.",
        "Ask your link worker or care coordinator to introduce you.",
        eligibility="For adults with experience of mental ill health.",
        ages=(18, None),
    ),
    Kind(
        ("Recovery College: Understanding Anxiety", "Recovery College: Living Well Course"),
        "Northamptonshire Recovery College ({town})",
        ("anxiety", "mental-health-crisis"),
        ("TU 10:00-12:00", "TH 18:00-20:00"),
        None,
        "A free six-week course, co-taught by a clinician and a peer trainer, on what anxiety is, "
        "why it keeps going and practical ways to manage it. Not therapy: a class where you can "
        "say as much or as little as you like.",
        "Enrol online or by phone; no referral needed.",
        ages=(18, None),
        venues=("Library", "Community Centre"),
    ),
    Kind(
        ("The Sanctuary {town}",),
        "Northamptonshire Mind",
        ("mental-health-crisis", "anxiety"),
        ("FR 18:00-23:00, SA 18:00-23:00, SU 18:00-23:00",),
        None,
        "An evening safe haven for adults in emotional distress, as an alternative to A&E. "
        "Talk to trained staff in a calm room over a hot drink and make a plan for the next "
        "few days.",
        "Walk in, or ring first; NHS 111 option 2 can refer you.",
        ages=(18, None),
        venues=("Mind Centre",),
        spread=1,
    ),
    Kind(
        ("Mindfulness for Beginners {town}",),
        "{town} Wellbeing Collective",
        ("anxiety", "low-mood"),
        ("MO 19:00-20:30", "WE 19:00-20:30"),
        "5.00",
        "An eight-week course in mindfulness meditation, with short practices to do at home. "
        "Many people come for stress, poor sleep or worry. Chairs provided; you do not need to "
        "sit on the floor.",
        "Book the course online or by phone.",
        ages=(18, None),
    ),
    Kind(
        ("Calm Evenings", "Relaxation class at the {town} cafe"),
        "Calm {town}",
        ("anxiety", "low-mood"),
        ("WE 18:30-19:30", "TU 18:30-19:30"),
        "3.00",
        "Gentle breathing and relaxation in the back room of a cafe, ending with a guided rest. "
        "It helps with sleep and with the tight chest that stress brings. Wear something "
        "comfortable.",
        "Book with the cafe, or ask your link worker.",
        venues=("Cafe",),
    ),
    Kind(
        ("Men's Talking Circle {town}",),
        "Men's Talking Circle",
        ("low-mood", "anxiety", "mental-health-crisis"),
        ("MO 19:00-21:00",),
        None,
        "A peer-to-peer talking group for men, every Monday at 7pm except bank holidays. "
        "Talk about what is going on for you, or just listen. No forms, no referral, no charge.",
        "Just turn up; it is #ITSOKAYTOTALK.",
        eligibility="For men aged 18 and over.",
        ages=(18, None),
        venues=("Football Club", "Rugby Club", "Community Centre"),
    ),
    Kind(
        ("Hearing Voices Group",),
        "Northamptonshire Mind",
        ("mental-health-crisis",),
        ("2TH 14:00-15:30",),
        None,
        "A confidential monthly group for people who hear voices, see visions or have other "
        "unusual experiences. You can talk about them in your own way, without judgement.",
        "Ring Mind to talk it through first.",
        ages=(18, None),
        venues=("Mind Centre", "Community Centre"),
        spread=1,
    ),
    Kind(
        ("Talk It Out {town}", "{town} Wellbeing Drop-in"),
        "{town} Wellbeing Collective",
        ("low-mood", "anxiety", "loneliness"),
        ("TH 10:00-12:00", "TU 17:00-19:00"),
        None,
        "A weekly drop-in where you can talk to a trained listener about whatever is weighing "
        "on you, or join a small group conversation. It is for anyone feeling low, stressed or "
        "alone, and you do not need a diagnosis.",
        "Drop in.",
        ages=(18, None),
    ),
    # Creative
    Kind(
        ("{town} Community Choir", "Sing Out {town}", "Voices of {town}"),
        "{town} Sings",
        ("loneliness", "low-mood", "bereavement"),
        ("MO 19:00-20:30", "TH 19:30-21:00", "TU 10:30-12:00"),
        "4.00",
        "A choir for people who think they cannot sing. No auditions and no reading music: we "
        "learn pop, soul and folk songs by ear and perform twice a year. The tea break is half "
        "the point.",
        "Come along to any rehearsal; the first one is free.",
        spread=9,
    ),
    Kind(
        ("Daytime Singers", "Songs and Scones"),
        "{town} Arts",
        ("loneliness", "low-mood"),
        ("WE 10:30-12:00", "FR 14:00-15:30"),
        "3.00",
        "A daytime singing group for older people who love the old songs: musicals, "
        "standards and a bit of Abba. Words are on big-print sheets and there are scones at the "
        "break.",
        "Just come.",
        ages=(50, None),
    ),
    Kind(
        ("Ukulele Strummers {town}",),
        "{town} Arts",
        ("loneliness",),
        ("TH 19:00-21:00", "MO 14:00-16:00"),
        "3.00",
        "Learn to play the ukulele from scratch and play along with easy songs in a friendly "
        "group. We have spare ukuleles to borrow for the first month.",
        "Just come along.",
    ),
    Kind(
        ("Art for Wellbeing {town}", "Creative Minds {town}"),
        "{town} Arts",
        ("low-mood", "anxiety", "loneliness"),
        ("TU 13:30-15:30", "FR 10:00-12:00"),
        "2.00",
        "Painting, drawing and collage in a relaxed group led by a local artist. No experience "
        "needed and all materials provided. People come to switch off from worries for a couple "
        "of hours.",
        "Just turn up.",
        spread=9,
    ),
    Kind(
        ("Pottery Taster {town}",),
        "{town} Arts Centre",
        ("low-mood",),
        ("SA 10:00-12:30", "WE 18:30-20:30"),
        "12.00",
        "Make a mug or a bowl on the wheel and by hand with a potter, in a class of up to six. "
        "Clay, glazes and firing are included.",
        "Book online.",
        venues=("Arts Centre",),
        spread=1,
    ),
    Kind(
        ("Write Here {town}", "{town} Writers' Circle"),
        "{town} Library Friends",
        ("low-mood",),
        ("2TH 18:30-20:00", "1SA 10:30-12:00"),
        None,
        "A monthly creative writing group: short exercises, then sharing if you want to. Poems, "
        "memories and stories all welcome, from beginners and experienced writers alike.",
        "Email or just come.",
        venues=("Library",),
    ),
    Kind(
        ("Shared Reading {town}", "Read Aloud {town}"),
        "{town} Library Friends",
        ("loneliness", "low-mood"),
        ("WE 10:30-12:00", "TU 14:00-15:30"),
        None,
        "A short story and a poem are read aloud and talked about over tea. No need to read "
        "beforehand or to read aloud yourself: just listen and say what strikes you.",
        "Drop in.",
        venues=("Library",),
    ),
    Kind(
        ("{town} Book Club",),
        "{town} Library Friends",
        ("loneliness",),
        ("3MO 18:30-20:00", "3WE 14:00-15:30"),
        None,
        "We read one book a month, chosen by the group, and meet to talk about it. Library "
        "copies are provided, including large print and audiobooks.",
        "Ask at the library desk.",
        venues=("Library",),
    ),
    Kind(
        ("{town} Camera Club Photo Walks",),
        "{town} Camera Club",
        ("low-mood", "physical-activity"),
        ("SU 10:00-12:00",),
        "2.00",
        "A relaxed walk around {town} with cameras or phones, learning to see things "
        "differently, then coffee and sharing pictures. Good for anyone who wants a reason to "
        "get out.",
        "Meet at {venue}; message us first.",
        spread=1,
    ),
    Kind(
        ("{town} Community Theatre",),
        "{town} Players",
        ("loneliness",),
        ("TU 19:00-21:30",),
        "3.00",
        "An amateur theatre company that welcomes newcomers on and off stage: acting, set "
        "building, costumes, lighting and front of house. Two shows a year.",
        "Come to a Tuesday rehearsal.",
    ),
    # Making, growing, outdoors
    Kind(
        ("{town} Men's Shed", "The Shed"),
        "{town} Shed",
        ("loneliness", "low-mood"),
        ("TU 09:30-13:00, TH 09:30-13:00", "WE 09:30-13:00, FR 09:30-13:00"),
        "2.00",
        "Woodwork, bike repairs and odd jobs for the community, with a cuppa and a chat. Most "
        "members are retired men, and plenty came knowing nobody. Women are welcome at the "
        "second session of the week.",
        "Phone the shed or just come along.",
        eligibility="Mainly for men; women welcome at the second session of the week.",
        ages=(18, None),
        venues=("Workshop",),
        spread=9,
    ),
    Kind(
        ("{town} Community Garden", "Growing Together {town}"),
        "{town} Growers",
        ("physical-activity", "low-mood", "mental-health-crisis"),
        ("SA 10:00-13:00", "WE 10:00-13:00"),
        None,
        "Grow vegetables, fruit and flowers alongside others; no experience needed. Tools, "
        "gloves and tea are provided, and there is always a quiet job for anyone who needs one.",
        "Just turn up.",
        venues=("Community Garden",),
        spread=9,
    ),
    Kind(
        ("Green Gym {town}",),
        "{town} Conservation Volunteers",
        ("physical-activity", "low-mood"),
        ("TH 10:00-14:00", "SU 10:00-13:00"),
        None,
        "Outdoor conservation work in local parks and nature reserves: hedge laying, path "
        "repairs and planting trees. A workout in the fresh air, with a leader who shows you how "
        "and a break for lunch.",
        "Register with the group, then meet at the car park.",
        ages=(16, None),
        venues=("Country Park",),
    ),
    Kind(
        ("Allotment Buddies {town}",),
        "{town} Allotment Society",
        ("low-mood", "loneliness", "long-term-condition"),
        ("TU 10:00-12:00", "SA 14:00-16:00"),
        None,
        "Share a plot with experienced growers who will show you what to do each season. Raised "
        "beds for anyone who cannot kneel or bend.",
        "Ring the society secretary.",
        venues=("Allotments",),
    ),
    Kind(
        ("Repair Cafe {town}",),
        "{town} Repair Cafe",
        ("money-debt",),
        ("2SA 10:00-13:00", "3SA 10:00-13:00"),
        None,
        "Bring a broken toaster, lamp, bike or torn jacket and fix it with our volunteer "
        "repairers, over coffee and cake. Saves money and keeps things out of landfill.",
        "Just bring the item along.",
    ),
    Kind(
        ("Cooking on a Budget {town}",),
        "{town} Food Network",
        ("money-debt", "long-term-condition"),
        ("TU 10:00-12:30", "TH 18:00-20:00"),
        None,
        "A four-week course on cheap, healthy meals from simple ingredients, including slow "
        "cooker and air fryer recipes. You take home what you make and a bag of ingredients.",
        "Book through your link worker or the food network.",
        ages=(18, None),
    ),
    Kind(
        ("Men Who Cook", "{town} Blokes' Kitchen"),
        "Age Well Northamptonshire ({town})",
        ("loneliness", "long-term-condition"),
        ("WE 10:00-13:00",),
        "3.00",
        "Cooking lessons for older men who have never really cooked, or who lost the person who "
        "did. We cook a simple meal and then eat it together.",
        "Ring Age Well to book a place.",
        eligibility="For men aged 60 and over.",
        ages=(60, None),
    ),
    # Moving more
    Kind(
        ("{town} Walking for Health", "Health Walks {town}"),
        "{town} Walkers",
        ("physical-activity", "long-term-condition", "loneliness"),
        ("TH 10:30-12:00", "SA 10:30-12:00", "TU 10:00-11:00"),
        None,
        "Short, gentle walks of 30 to 60 minutes led by trained volunteers, finishing with a "
        "cuppa. Good for people getting back to activity after illness, with a long-term "
        "condition or who just want company on a walk.",
        "Meet at {venue}; no need to book.",
        venues=("Market Square", "Library", "Park"),
        spread=9,
    ),
    Kind(
        ("Nordic Walking {town}",),
        "{town} Active Lives",
        ("physical-activity",),
        ("SA 09:00-10:30", "WE 18:00-19:00"),
        "4.00",
        "Brisk walking with poles, which works the upper body and takes weight off the knees. "
        "The first session teaches the technique; poles can be borrowed.",
        "Book your first session online.",
        ages=(18, None),
        venues=("Country Park",),
    ),
    Kind(
        ("Chair Yoga {town}", "Seated Yoga"),
        "{town} Active Ageing",
        ("physical-activity", "long-term-condition"),
        ("FR 11:00-12:00", "MO 11:00-12:00"),
        "3.50",
        "Yoga done sitting on a chair or standing with its support, for all abilities. Good "
        "for stiff joints, balance and breathing, and for people who cannot get up and down "
        "from the floor.",
        "Book your first session by phone.",
        spread=9,
    ),
    Kind(
        ("Steady Steps {town}", "Strength and Balance Class"),
        "{town} Active Ageing",
        ("physical-activity", "long-term-condition"),
        ("TU 14:00-15:00", "TH 11:00-12:00"),
        "2.00",
        "A 24-week falls prevention programme with exercises to build strength and balance, led "
        "by a qualified instructor. For older people who have had a fall or are worried about "
        "falling.",
        "Referral by GP, physio or link worker.",
        eligibility="For people aged 65 and over who have had a fall or fear falling.",
        ages=(65, None),
    ),
    Kind(
        ("Tai Chi {town}",),
        "{town} Tai Chi Club",
        ("physical-activity", "anxiety"),
        ("WE 10:00-11:00", "MO 18:30-19:30"),
        "5.00",
        "Slow, flowing movements that improve balance and calm the mind. Beginners start with "
        "the short form; suitable for most ages and abilities.",
        "Just come along.",
    ),
    Kind(
        ("Walking Football {town}",),
        "{town} Town FC Community Trust",
        ("physical-activity", "loneliness"),
        ("TU 10:00-11:30", "FR 19:00-20:00"),
        "3.00",
        "Football without running or tackling above the waist, for players who have lost a step "
        "or two. Mixed ability, lots of laughter and a pint or a cuppa afterwards.",
        "Turn up in trainers.",
        eligibility="For adults aged 50 and over.",
        ages=(50, None),
        venues=("Sports Centre", "Leisure Centre"),
    ),
    Kind(
        ("{town} parkrun",),
        "parkrun UK",
        ("physical-activity",),
        ("SA 09:00-10:00",),
        None,
        "A free, timed 5k every Saturday at 9am. You can run, jog or walk it, and there is a "
        "tail walker so nobody is ever last. Volunteering as a marshal counts too.",
        "Register once online and bring your barcode.",
        venues=("Park",),
    ),
    Kind(
        ("Couch to 5k {town}", "Run Together {town}"),
        "{town} Running Club",
        ("physical-activity", "low-mood"),
        ("TU 18:30-19:30", "TH 18:30-19:30"),
        None,
        "A nine-week beginners' programme from walking to running 5k, in small groups at the "
        "pace of the slowest. Built for people who have never run before.",
        "Sign up for the next course online.",
        ages=(16, None),
        venues=("Leisure Centre",),
    ),
    Kind(
        ("Aqua Fit for Over 50s", "Gentle Swim {town}"),
        "{town} Leisure Centre",
        ("physical-activity", "long-term-condition"),
        ("MO 11:00-12:00", "TH 14:00-15:00"),
        "4.50",
        "Gentle exercise in the warm shallow end, easy on joints and backs, followed by a quiet "
        "lane swim. Poolside hoist available.",
        "Pay at reception.",
        ages=(50, None),
        venues=("Leisure Centre",),
    ),
    Kind(
        ("Bike Confidence Sessions {town}",),
        "{town} Pedal Power",
        ("physical-activity",),
        ("SA 10:00-12:00",),
        None,
        "Learn or relearn to ride a bike on quiet paths with a patient instructor. Bikes, "
        "including adapted bikes and tricycles, and helmets can be borrowed.",
        "Book a session by phone.",
        ages=(16, None),
        venues=("Country Park",),
    ),
    Kind(
        ("Dance for Parkinson's {town}",),
        "{town} Dance Project",
        ("long-term-condition", "physical-activity"),
        ("WE 14:00-15:30",),
        "3.00",
        "A dance class designed for people with Parkinson's, with live music and a professional "
        "dancer. Much of it can be done seated. Partners and carers join in.",
        "Ring before your first session.",
        eligibility="For people living with Parkinson's and their partners or carers.",
        spread=1,
    ),
    Kind(
        ("Breathe Easy {town}",),
        "Asthma + Lung UK ({town})",
        ("long-term-condition",),
        ("2TU 14:00-16:00", "1WE 14:00-16:00"),
        None,
        "A monthly support group for people living with COPD, asthma, bronchiectasis and other "
        "lung conditions, and their families. Talks from nurses and physios, and gentle "
        "exercise.",
        "Just come along.",
        eligibility="For people with a lung condition and their families.",
    ),
    Kind(
        ("Singing for Lung Health {town}",),
        "Asthma + Lung UK ({town})",
        ("long-term-condition", "loneliness"),
        ("FR 13:30-15:00",),
        "2.00",
        "Singing and breathing exercises led by a trained practitioner, to help with "
        "breathlessness and posture. For people with COPD and other lung conditions.",
        "Ring to book a place.",
        eligibility="For people with a lung condition.",
    ),
    Kind(
        ("Heart to Heart {town}",),
        "{town} Heart Support Group",
        ("long-term-condition", "physical-activity"),
        ("TH 14:00-15:00",),
        "3.00",
        "Supervised exercise and a chat for people who have finished cardiac rehab after a "
        "heart attack, surgery or heart failure, to keep going with what they started. A cardiac "
        "nurse checks blood pressure before each session.",
        "Referral from cardiac rehab, or ring us.",
        eligibility="For people with a heart condition who have finished cardiac rehab.",
        spread=1,
    ),
    Kind(
        ("Living Well with Diabetes {town}",),
        "{town} Diabetes Support Group",
        ("long-term-condition",),
        ("3TU 18:30-20:00",),
        None,
        "A monthly group for people with type 1 or type 2 diabetes: speakers on food, feet and "
        "eyes, and members sharing what helps. Partners welcome.",
        "Just come along.",
        eligibility="For people with diabetes and their families.",
    ),
    Kind(
        ("Pain Café {town}",),
        "{town} Pain Support Network",
        ("long-term-condition", "low-mood"),
        ("1MO 14:00-16:00",),
        None,
        "A monthly meeting for people living with chronic pain, including back pain and "
        "fibromyalgia. Share tips on pacing, sleep and managing flare-ups with others who get "
        "it.",
        "Drop in.",
        ages=(18, None),
    ),
    Kind(
        ("{town} Stroke Club",),
        "Stroke Association ({town})",
        ("long-term-condition", "loneliness"),
        ("2WE 10:30-12:30", "4FR 10:30-12:30"),
        None,
        "A friendly club for stroke survivors and their families, with communication games for "
        "people with aphasia, gentle exercise and lunch out once a season. Volunteers help with "
        "transport.",
        "Ring the Stroke Association coordinator.",
        eligibility="For people who have had a stroke, and their families.",
    ),
    Kind(
        ("Sight Loss Social {town}",),
        "Northamptonshire Association for the Blind",
        ("loneliness", "long-term-condition"),
        ("3TH 10:30-12:30",),
        None,
        "A monthly coffee morning for people with sight loss, with demonstrations of talking "
        "gadgets and help from a rehabilitation officer. Guides meet you at the bus stop if you "
        "ask.",
        "Ring for transport.",
        eligibility="For people who are blind or partially sighted.",
        spread=1,
    ),
    Kind(
        ("Hear Together {town}",),
        "{town} Hard of Hearing Club",
        ("loneliness",),
        ("1TU 14:00-16:00",),
        None,
        "A monthly social club for people with hearing loss, with a loop system, lipreading "
        "practice and help with hearing aid batteries and tubing. Tea and a chat in a quiet room.",
        "Just come along.",
        eligibility="For people with hearing loss.",
        spread=1,
    ),
    Kind(
        ("Weight Wellbeing {town}",),
        "{town} Healthy Lifestyles",
        ("physical-activity", "long-term-condition"),
        ("MO 18:00-19:30", "WE 10:00-11:30"),
        None,
        "A free twelve-week programme on eating well, moving more and keeping weight off, with "
        "a weekly weigh-in in private. Friendly, no lectures.",
        "Refer yourself online or through your GP.",
        eligibility="For adults with a BMI over 30 (27.5 for some ethnic groups).",
        ages=(18, None),
    ),
    Kind(
        ("Stop Smoking Drop-in {town}",),
        "Northamptonshire Stop Smoking Service",
        ("long-term-condition",),
        ("TH 16:00-19:00", "MO 09:30-12:30"),
        None,
        "Free one-to-one support and nicotine replacement or a vape starter kit from a "
        "stop-smoking adviser, weekly for twelve weeks. You are three times more likely to quit "
        "with support.",
        "Drop in or book.",
        ages=(12, None),
        venues=("Pharmacy", "Library"),
    ),
    # Money, housing, work
    Kind(
        ("Money Matters {town}", "{town} Debt and Benefits Advice"),
        "Citizens Advice Northamptonshire ({town})",
        ("money-debt", "housing"),
        ("MO 09:30-16:00, WE 09:30-16:00, FR 09:30-16:00", "TU 09:30-15:00, TH 09:30-15:00"),
        None,
        "Free, confidential advice on debt, benefits, bills and letters from the council or "
        "bailiffs. An adviser can check what you are entitled to, deal with creditors for you "
        "and help with Universal Credit.",
        "Your link worker can book an appointment, or ring the advice line.",
        spread=9,
    ),
    Kind(
        ("Benefits Check-up Clinic {town}",),
        "Age Well Northamptonshire ({town})",
        ("money-debt",),
        ("TU 10:00-13:00",),
        None,
        "An adviser checks whether you are getting everything you are entitled to, including "
        "Pension Credit, Attendance Allowance and help with council tax, and helps fill in the "
        "forms. Many people find they have been missing out for years.",
        "Book an appointment by phone; home visits possible.",
        eligibility="For people over state pension age.",
        ages=(66, None),
        venues=("Age Well Centre", "Library"),
    ),
    Kind(
        ("{town} Food Bank",),
        "{town} Food Bank (Trussell)",
        ("money-debt",),
        ("MO 12:00-14:00, TH 12:00-14:00", "TU 11:00-13:00, FR 11:00-13:00"),
        None,
        "Three days of emergency food for people who cannot afford to buy it, with a warm drink "
        "and someone to talk to. An adviser is there to help with what caused the crisis.",
        "You need a food bank voucher: ask your link worker, GP or Citizens Advice.",
        eligibility="With a food bank voucher from a referral agency.",
        venues=("Church Hall", "Salvation Army Hall"),
        spread=9,
    ),
    Kind(
        ("Warm and Well {town}",),
        "{town} Energy Advice Project",
        ("money-debt", "housing", "long-term-condition"),
        ("WE 10:00-13:00",),
        None,
        "Help with energy bills and a cold or damp home: switching tariffs, grants for "
        "insulation and boilers, the Warm Home Discount and dealing with energy debt. An adviser "
        "can also visit you at home.",
        "Ring for an appointment or a home visit.",
        venues=("Library", "Community Centre"),
    ),
    Kind(
        ("Warm Welcome Space at {venue}",),
        "{town} Churches Together",
        ("loneliness", "money-debt"),
        ("MO 10:00-15:00, WE 10:00-15:00", "TU 10:00-15:00, TH 10:00-15:00"),
        None,
        "Somewhere warm to spend the day in winter, with soup, hot drinks, phone charging and "
        "wifi. Stay as long as you like; there is no need to talk to anyone unless you want to.",
        "Walk in.",
        venues=("Church Hall", "Library", "Methodist Hall"),
    ),
    Kind(
        ("Housing Advice Surgery {town}",),
        "Northamptonshire Housing Advice ({town})",
        ("housing", "money-debt"),
        ("TH 10:00-13:00",),
        None,
        "Free advice on problems with landlords, disrepair and damp, rent arrears, eviction "
        "notices and homelessness. A housing adviser can write to your landlord or the council "
        "for you.",
        "Book a slot by phone; urgent cases seen the same day.",
        venues=("Council Offices", "Library"),
    ),
    Kind(
        ("Tenancy Sustainment {town}",),
        "{town} Housing Support",
        ("housing", "mental-health-crisis"),
        ("",),
        None,
        "A support worker visits you at home to help keep your tenancy: sorting bills and "
        "benefits, dealing with the landlord, and getting the flat liveable after a hard time. "
        "Support lasts up to a year.",
        "Referral by a link worker, housing officer or mental health team.",
        eligibility="For tenants at risk of losing their home.",
        ages=(18, None),
        venues=("Office",),
    ),
    Kind(
        ("Get Online {town}", "Digital Help Drop-in"),
        "{town} Library Friends",
        ("money-debt", "loneliness"),
        ("TU 14:00-16:00", "FR 10:00-12:00"),
        None,
        "Patient one-to-one help with phones, tablets and computers: email, video calls with "
        "family, NHS app, online banking and Universal Credit journals. Bring your own device "
        "or borrow ours.",
        "Drop in, or book a longer slot at the library desk.",
        venues=("Library",),
    ),
    Kind(
        ("{town} Job Club", "Work Ready {town}"),
        "{town} Employment Hub",
        ("money-debt", "low-mood"),
        ("WE 10:00-12:00", "MO 13:00-15:00"),
        None,
        "Help with CVs, applications and interview nerves, and a place to job search with "
        "others in the same boat. Support for people returning after illness or caring.",
        "Drop in.",
        ages=(16, 66),
        venues=("Library", "Community Centre"),
    ),
    Kind(
        ("Northants Credit Union ({town})",),
        "Northamptonshire Credit Union",
        ("money-debt",),
        ("FR 10:00-13:00",),
        None,
        "A not-for-profit savings club and affordable loans, as an alternative to doorstep "
        "lenders and payday loans. Open an account with as little as £1.",
        "Drop in with photo ID.",
        venues=("Library", "Community Centre"),
        spread=1,
    ),
    Kind(
        ("Volunteer Centre {town}", "Make a Difference {town}"),
        "Voluntary Impact Northamptonshire ({town})",
        ("low-mood", "loneliness"),
        ("TH 10:00-13:00",),
        None,
        "Talk to an adviser about volunteering that fits what you enjoy and the time you have, "
        "from charity shops to dog walking. Many people find it gives their week a purpose.",
        "Drop in or book a chat.",
        ages=(16, None),
        venues=("Library", "Community Centre"),
    ),
    # Particular groups
    Kind(
        ("Veterans' Breakfast Club {town}",),
        "{town} Armed Forces Community",
        ("loneliness", "mental-health-crisis"),
        ("SA 09:00-11:00", "1SU 09:00-11:00"),
        "5.00",
        "A full English and banter with others who have served, and their families. A welfare "
        "officer can help with pensions, housing and mental health support.",
        "Just turn up.",
        eligibility="For veterans of the armed forces and their families.",
        venues=("Cafe", "Royal British Legion Club"),
    ),
    Kind(
        ("Women's Space {town}", "{Day} Women's Group"),
        "{town} Women's Aid",
        ("anxiety", "low-mood", "housing"),
        ("TH 10:00-12:00", "TU 18:00-20:00"),
        None,
        "A confidential group for women who have experienced domestic abuse, to rebuild "
        "confidence and friendships. Creche available on request.",
        "Ring the Women's Aid helpline first; the address is given on booking.",
        eligibility="For women only, aged 18 and over.",
        ages=(18, None),
        venues=("Community Centre",),
        confidential=True,
    ),
    Kind(
        ("Menopause Cafe {town}",),
        "{town} Women's Health Network",
        ("anxiety", "low-mood"),
        ("2WE 19:00-20:30",),
        None,
        "An informal monthly evening for women going through perimenopause or menopause to talk "
        "about symptoms, work and sleep, over cake. No experts, no lectures.",
        "Just come along.",
        eligibility="For women.",
        venues=("Cafe",),
    ),
    Kind(
        ("SMART Recovery {town}",),
        "{town} Recovery Network",
        ("mental-health-crisis", "anxiety"),
        ("TU 18:30-20:00",),
        None,
        "A free mutual-aid meeting for people who want to change their drinking, drug use or "
        "gambling, using practical tools from cognitive behavioural therapy. Family members "
        "have their own meeting on the same night.",
        "Just come along; no need to book.",
        ages=(18, None),
    ),
    Kind(
        ("Gambling Harms Support {town}",),
        "GamCare ({town})",
        ("money-debt", "anxiety"),
        ("",),
        None,
        "Free, confidential support by phone for anyone worried about their own or a family "
        "member's gambling, including help with the debts it leaves behind. Counselling can be "
        "arranged near you.",
        "Ring the National Gambling Helpline, 0808 8020 133, any time.",
        ages=(16, None),
        venues=("Office",),
        spread=1,
    ),
    Kind(
        ("Sanctuary Drop-in {town}",),
        "{town} Refugee Welcome",
        ("loneliness", "money-debt", "housing"),
        ("FR 10:00-13:00",),
        None,
        "Practical help and a warm welcome for refugees and people seeking asylum: clothes, "
        "English classes, help with letters, and lunch together. Interpreters for Arabic, "
        "Farsi and Ukrainian.",
        "Walk in.",
        eligibility="For refugees and people seeking asylum.",
        venues=("Church Hall", "Community Centre"),
        spread=1,
    ),
    Kind(
        ("{town} Autism Adult Social",),
        "{town} Autism Support",
        ("loneliness", "anxiety"),
        ("3SA 14:00-16:00",),
        None,
        "A calm, structured monthly meet-up for autistic adults, with a quiet room, clear "
        "start and finish times and an activity planned in advance. You can leave at any time "
        "without explaining.",
        "Email first so we can send you photos of the room.",
        eligibility="For autistic adults, with or without a diagnosis.",
        ages=(18, None),
        spread=1,
    ),
    Kind(
        ("Friday Friends {town}",),
        "{town} Learning Disability Partnership",
        ("loneliness",),
        ("FR 18:00-20:30",),
        "3.00",
        "A Friday night social club for adults with learning disabilities: disco, karaoke and "
        "games, with support workers on hand. Carers can stay or take the evening off.",
        "Ring to arrange your first visit.",
        eligibility="For adults with a learning disability.",
        ages=(18, None),
    ),
    Kind(
        ("Wednesday Wanderers", "Coffee and Culture {town}"),
        "{town} U3A",
        ("loneliness", "physical-activity"),
        ("WE 10:00-12:30",),
        "1.50",
        "Every week we visit somewhere new within easy reach of {town}: a museum, a garden, a "
        "historic church, followed by coffee. Run by members of the University of the Third "
        "Age for people no longer in full-time work.",
        "Join the U3A (£15 a year) or come twice as a guest.",
        eligibility="For people no longer in full-time work.",
        ages=(50, None),
        venues=("Library",),
    ),
    Kind(
        ("Bowls Taster Days {town}",),
        "{town} Bowls Club",
        ("physical-activity", "loneliness"),
        ("SA 14:00-16:30", "TU 14:00-16:30"),
        None,
        "Free taster afternoons with coaching on the green, flat shoes provided. A gentle, "
        "sociable sport at any age, and the club has a busy social calendar.",
        "Just come along.",
        venues=("Bowls Club",),
    ),
    Kind(
        ("Table Tennis Social {town}", "Ping! {town}"),
        "{town} Table Tennis Club",
        ("physical-activity",),
        ("MO 19:00-21:00", "TH 13:00-15:00"),
        "2.00",
        "Drop-in table tennis for all levels, with bats and balls provided. Good exercise for "
        "reactions and balance; adapted tables for wheelchair players.",
        "Just turn up.",
        venues=("Leisure Centre", "Sports Centre"),
    ),
]
