"""Word lists for the synthetic state: people, places, districts and schools.

Every name the generator writes is a random combination of these generic words, so it belongs to no
one: given and family names are drawn independently of each other and of a student's demographics,
and places are invented compounds ("Cedar" + "field"). Some compounds may happen to match a real
town; none is taken from a list of real districts or schools.
"""

from __future__ import annotations

# fmt: off
GIVEN_NAMES_FEMALE: tuple[str, ...] = (
    "Abigail", "Ada", "Adriana", "Aisha", "Alejandra", "Alice", "Alma", "Amara", "Amelia", "Ana",
    "Andrea", "Anya", "Aria", "Audrey", "Aurora", "Bella", "Brianna", "Camila", "Carmen",
    "Caroline",
    "Chloe", "Claire", "Daniela", "Daisy", "Delilah", "Diana", "Eleanor", "Elena", "Eliza", "Ella",
    "Emery", "Emily", "Emma", "Esther", "Eva", "Fatima", "Fiona", "Gabriela", "Grace", "Hana",
    "Hannah", "Harper", "Hazel", "Imani", "Iris", "Isabel", "Ivy", "Jade", "Jasmine", "Josephine",
    "Julia", "June", "Kaia", "Kayla", "Kiara", "Layla", "Leah", "Leilani", "Lena", "Lila",
    "Lily", "Lucia", "Luna", "Mai", "Maya", "Mila", "Mira", "Naomi", "Natalia", "Nia",
    "Nora", "Olivia", "Paloma", "Penelope", "Priya", "Quinn", "Rosa", "Ruby", "Ruth", "Sadie",
    "Samira", "Sara", "Scarlett", "Selena", "Sofia", "Stella", "Talia", "Tessa", "Valeria", "Vera",
    "Violet", "Willa", "Ximena", "Yara", "Yasmin", "Zara", "Zoe", "Noelani", "Ingrid", "Mariana",
)

GIVEN_NAMES_MALE: tuple[str, ...] = (
    "Aaron", "Adrian", "Ahmed", "Alejandro", "Andre", "Angel", "Arjun", "Asher", "August",
    "Benjamin",
    "Caleb", "Carlos", "Carter", "Cyrus", "Daniel", "Dante", "David", "Diego", "Dylan", "Elias",
    "Elijah", "Emmett", "Ethan", "Ezra", "Felix", "Finn", "Gabriel", "Gael", "George", "Graham",
    "Hassan", "Henry", "Hugo", "Ian", "Isaac", "Ivan", "Jack", "Jacob", "Jamal", "James",
    "Jasper", "Javier", "Jonah", "Jose", "Joshua", "Julian", "Kai", "Kenji", "Leo", "Levi",
    "Liam", "Logan", "Lucas", "Luis", "Malik", "Marco", "Mateo", "Micah", "Miles", "Nathan",
    "Nico", "Noah", "Omar", "Oscar", "Owen", "Pablo", "Rafael", "Ravi", "Reed", "Rowan",
    "Ryan", "Samuel", "Santiago", "Sebastian", "Silas", "Simon", "Tariq", "Theo", "Thomas",
    "Tobias",
    "Tristan", "Victor", "Wesley", "Wyatt", "Xavier", "Yusuf", "Zane", "Zion", "Desmond", "Kofi",
    "Mason", "Nolan", "Everett", "Jude", "Kieran", "Lorenzo", "Matteo", "Rohan", "Tomas", "Wade",
)

FAMILY_NAMES: tuple[str, ...] = (
    "Abbott", "Acosta", "Adams", "Aguilar", "Ahmed", "Alvarez", "Anderson", "Arnold", "Bailey",
    "Baker", "Banks", "Barnes", "Bell", "Bennett", "Bishop", "Blake", "Boyd", "Bradley", "Brooks",
    "Brown", "Bryant", "Burke", "Butler", "Campbell", "Cardenas", "Carter", "Castillo", "Chang",
    "Chavez", "Chen", "Clark", "Cole", "Collins", "Cooper", "Cortez", "Cruz", "Daniels", "Davis",
    "Delgado", "Diaz", "Dixon", "Douglas", "Duncan", "Edwards", "Ellis", "Espinoza", "Evans",
    "Ferguson", "Fernandez", "Fields", "Fischer", "Fleming", "Flores", "Ford", "Foster", "Fox",
    "Francis", "Fuller", "Garcia", "Gardner", "Gibson", "Gomez", "Gonzalez", "Gordon", "Graham",
    "Grant", "Gray", "Green", "Griffin", "Gupta", "Gutierrez", "Hall", "Hamilton", "Hansen",
    "Harper", "Harris", "Hart", "Hayes", "Henderson", "Hernandez", "Hill", "Holland", "Holmes",
    "Howard", "Hughes", "Hunt", "Ibarra", "Jackson", "James", "Jenkins", "Jensen", "Johnson",
    "Jones", "Jordan", "Kaur", "Keller", "Kelly", "Kennedy", "Khan", "Kim", "King", "Knight",
    "Kowalski", "Lambert", "Lane", "Larson", "Lee", "Lewis", "Lin", "Long", "Lopez", "Lucero",
    "Marsh", "Martin", "Martinez", "Mason", "Medina", "Mendoza", "Meyer", "Miller", "Mitchell",
    "Molina", "Moore", "Morales", "Moreno", "Morgan", "Murphy", "Murray", "Nakamura", "Nelson",
    "Nguyen", "Nichols", "Novak", "Okafor", "Olsen", "Ortiz", "Owens", "Padilla", "Palmer",
    "Park", "Parker", "Patel", "Pearson", "Pena", "Perez", "Perry", "Peters", "Phillips", "Pierce",
    "Porter", "Powell", "Price", "Quinn", "Ramirez", "Ramos", "Reed", "Reyes", "Reynolds",
    "Rivera", "Roberts", "Robinson", "Rodriguez", "Rogers", "Romero", "Ross", "Ruiz", "Russell",
    "Salazar", "Sanchez", "Sanders", "Santos", "Schmidt", "Scott", "Shah", "Shaw", "Silva",
    "Simmons", "Singh", "Smith", "Snyder", "Soto", "Spencer", "Stewart", "Stone", "Sullivan",
    "Tanaka", "Taylor", "Thomas", "Thompson", "Torres", "Tran", "Tucker", "Turner", "Valdez",
    "Vargas", "Vasquez", "Wagner", "Walker", "Wallace", "Walsh", "Wang", "Ward", "Warren",
    "Washington", "Watson", "Weaver", "Webb", "Wells", "West", "White", "Williams", "Wilson",
    "Wolfe", "Wong", "Woods", "Wright", "Yang", "Young", "Zamora", "Zhang",
)

PLACE_FIRST: tuple[str, ...] = (
    "Alder", "Amber", "Ash", "Aspen", "Autumn", "Bear", "Birch", "Black", "Blue", "Bright",
    "Cedar", "Chestnut", "Clear", "Cloud", "Copper", "Crystal", "Cypress", "Deer", "Eagle", "Elk",
    "Elm", "Fair", "Falcon", "Fern", "Fox", "Golden", "Grand", "Green", "Harvest", "Hawk",
    "Hazel", "Heron", "Hickory", "High", "Holly", "Iron", "Juniper", "Lark", "Laurel", "Linden",
    "Long", "Magnolia", "Maple", "Meadow", "Mill", "Mist", "North", "Oak", "Otter", "Pine",
    "Pleasant", "Poplar", "Prairie", "Quail", "Raven", "Red", "Ridge", "River", "Rock", "Rose",
    "Sage", "Sand", "Shady", "Silver", "Spruce", "Stone", "Sun", "Sycamore", "Thistle", "Timber",
    "Twin", "Walnut", "Willow", "Wind", "Wolf", "Wren",
)

PLACE_SECOND: tuple[str, ...] = (
    " Bend", " Bluff", " Creek", " Crossing", " Falls", " Grove", " Harbor", " Heights", " Hills",
    " Hollow", " Lake", " Meadows", " Park", " Plains", " Point", " Prairie", " Ridge", " Springs",
    " Valley", "brook", "burg", "dale", "field", "ford", "haven", "land", "mont", "port", "ton",
    "view", "ville", "wood", "worth", " Junction",
)

DISTRICT_SUFFIXES_BY_LOCALE: dict[str, tuple[str, ...]] = {
    "city": (
        "City Schools", "Public Schools", "Independent School District", "Unified School District",
    ),
    "suburb": (
        "Unified School District", "Community School District", "Public Schools",
        "Independent School District", "School District",
    ),
    "town": ("Public Schools", "Community Schools", "Unified School District", "School District"),
    "rural": (
        "Consolidated School District", "Community School District", "Rural School District",
        "Local School District", "Independent School District", "Public Schools",
    ),
}

SCHOOL_NAMES: tuple[str, ...] = (
    "Adams", "Addams", "Anthony", "Banneker", "Barton", "Bethune", "Blackwell", "Carson", "Carver",
    "Chavez", "Clemente", "Curie", "Douglass", "Earhart", "Edison", "Einstein", "Emerson",
    "Franklin", "Frost", "Fuller", "Garfield", "Grant", "Hamilton", "Hawthorne", "Hughes",
    "Hurston", "Irving", "Jackson", "Jefferson", "Jemison", "Keller", "Kennedy", "King",
    "Lafayette", "Lincoln", "Longfellow", "Lowell", "Madison", "Mann", "Marshall", "McKinley",
    "Monroe", "Morrison", "Muir", "Parks", "Pasteur", "Revere", "Ride", "Roosevelt", "Sandburg",
    "Sequoyah", "Stevenson", "Thoreau", "Truman", "Tubman", "Twain", "Washington", "Webster",
    "Whitman", "Whittier", "Wilson", "Wright", "Acorn", "Applewood", "Bayview", "Brookside",
    "Canyon", "Cherry Hill", "Clearwater", "Cottonwood", "Country Club", "Crestview", "Deer Park",
    "Eastside", "Fairview", "Forest Glen", "Foxcroft", "Garden Grove", "Glenwood", "Green Acres",
    "Hidden Valley", "Highland", "Hillcrest", "Horizon", "Indian Trail", "Lakeside", "Lakeview",
    "Meadowbrook", "Mesa", "Mill Creek", "Northside", "Oak Grove", "Orchard", "Parkside",
    "Pinecrest", "Pleasant Hill", "Prairie View", "Rainbow", "Ridgeview", "River Bend",
    "Riverside", "Rolling Hills", "Sagebrush", "Shady Lane", "Southside", "Spring Creek",
    "Stonegate", "Sunnyside", "Sunrise", "Sunset", "Timberline", "Valley View", "Westside",
    "Westwood", "Willow Creek", "Windsor", "Woodland",
)

DIRECTIONS: tuple[str, ...] = ("North", "South", "East", "West", "Central", "Upper", "Lower")

SUBJECT_TITLES: tuple[str, ...] = (
    "English Language Arts", "Mathematics", "Science", "Social Studies",
)

# Course titles for grades 6-12, indexed [grade - 6][subject].
SECONDARY_COURSE_TITLES: tuple[tuple[str, str, str, str], ...] = (
    ("English Language Arts 6", "Mathematics 6", "Science 6", "Social Studies 6"),
    ("English Language Arts 7", "Mathematics 7", "Science 7", "Social Studies 7"),
    ("English Language Arts 8", "Pre-Algebra", "Science 8", "U.S. History 8"),
    ("English 9", "Algebra I", "Biology", "World Geography"),
    ("English 10", "Geometry", "Chemistry", "World History"),
    ("English 11", "Algebra II", "Physics", "U.S. History"),
    ("English 12", "Precalculus", "Environmental Science", "U.S. Government and Economics"),
)
# fmt: on
