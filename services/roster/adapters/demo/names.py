"""Fixed name lists for the demo roster (some non-ASCII on purpose: the bundle is
UTF-8 and the app must show "Nguyễn" and "José" correctly)."""

DISTRICT_NAME = "Cascadia Unified School District"
DISTRICT_ID = "org-district"
SESSION = {"sourcedId": "as-2026-2027", "title": "2026-2027", "type": "schoolYear",
           "startDate": "2026-08-15", "endDate": "2027-06-10", "schoolYear": "2027"}

SCHOOL_PLACES = (
    "Cedar Ridge", "Maple Grove", "Rainier View", "Columbia", "Juniper Hill",
    "Ocean View", "Sunnyside", "Willow Creek", "Harbor Heights", "Mesa Verde",
    "Aspen Park", "Lakeview", "Riverbend", "Pine Hollow", "Evergreen", "Sierra Vista",
)
SCHOOL_KINDS = ("Elementary", "K-8 School", "Academy", "Community School")

# School time zones cycle through this list: most of the district is Pacific, but
# the demo carries Mountain (with and without DST), Eastern and Central schools so
# that time-zone bugs show up.
TIME_ZONES = (
    "America/Los_Angeles", "America/Denver", "America/New_York", "America/Los_Angeles",
    "America/Phoenix", "America/Los_Angeles", "America/Chicago", "America/Los_Angeles",
)
AREA_CODES = ("206", "253", "360", "425", "509", "503", "971", "541")

# Household language -> cumulative share of households (about 65% en, 25% es,
# the rest vi, zh, so, ar).
LANGUAGE_SHARES = (("en", 0.65), ("es", 0.90), ("vi", 0.93), ("zh", 0.96),
                   ("so", 0.98), ("ar", 1.00))

FAMILY_NAMES = {
    "en": ("Smith", "Johnson", "Williams", "Brown", "Jones", "Miller", "Davis",
           "Wilson", "Anderson", "Taylor", "Thomas", "Moore", "Martin", "Jackson",
           "Thompson", "White", "Harris", "Clark", "Lewis", "Robinson", "Walker",
           "Young", "Allen", "King", "Wright", "Scott", "Hill", "Green", "Adams",
           "Baker", "Nelson", "Carter", "Mitchell", "Roberts", "O'Brien", "Murphy"),
    "es": ("García", "Martínez", "Rodríguez", "López", "Hernández", "González",
           "Pérez", "Sánchez", "Ramírez", "Torres", "Flores", "Rivera", "Gómez",
           "Díaz", "Reyes", "Morales", "Cruz", "Ortiz", "Gutiérrez", "Chávez",
           "Ramos", "Ruiz", "Mendoza", "Núñez", "Castillo", "Vargas"),
    "vi": ("Nguyễn", "Trần", "Lê", "Phạm", "Huỳnh", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ"),
    "zh": ("Wang", "Li", "Zhang", "Liu", "Chen", "Yang", "Huang", "Zhao", "Wu", "Zhou"),
    "so": ("Mohamed", "Ali", "Hassan", "Abdi", "Warsame", "Farah", "Osman", "Jama"),
    "ar": ("Haddad", "Khoury", "Mansour", "Saleh", "Nasser", "Hamdan", "Aziz"),
}

GIVEN_NAMES = {
    "en": ("Olivia", "Liam", "Emma", "Noah", "Ava", "Elijah", "Sophia", "James",
           "Isabella", "Lucas", "Mia", "Mason", "Harper", "Ethan", "Evelyn", "Logan",
           "Abigail", "Aiden", "Emily", "Jackson", "Ella", "Owen", "Zoë", "Wyatt",
           "Chloe", "Caleb", "Grace", "Henry", "Nora", "Riley", "Hazel", "Wesley"),
    "es": ("Sofía", "Mateo", "Valentina", "Santiago", "Camila", "Sebastián", "Lucía",
           "Diego", "Ximena", "José", "María", "Alejandro", "Daniela", "Andrés",
           "Renata", "Emiliano", "Ana", "Gael", "Jimena", "Ángel"),
    "vi": ("Anh", "Bảo", "Linh", "Minh", "Ngọc", "Phúc", "Thảo", "Tuấn", "Vy", "Khoa"),
    "zh": ("Wei", "Mei", "Jun", "Xin", "Hao", "Ying", "Lei", "Jing", "Yu", "Chen"),
    "so": ("Amina", "Abdullahi", "Hodan", "Faisal", "Ayaan", "Hamza", "Fadumo", "Yusuf"),
    "ar": ("Layla", "Omar", "Yasmin", "Karim", "Noor", "Ziad", "Salma", "Adam"),
}

# Given name -> the shorter name a student prefers (1.2 preferredGivenName).
PREFERRED = {"Alejandro": "Alex", "Isabella": "Bella", "Elijah": "Eli",
             "Abigail": "Abby", "Sebastián": "Sebas", "Valentina": "Vale",
             "Emiliano": "Emi", "Abdullahi": "Abdi", "Santiago": "Santi"}

GRADES = ("KG", "01", "02", "03", "04", "05", "06", "07", "08")
GRADE_LABELS = {"KG": "Kindergarten", **{g: f"Grade {int(g)}" for g in GRADES[1:]}}
