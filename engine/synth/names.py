"""Names by culture, and the noise real identity data carries.

Noise kinds (each recorded in the ground truth so entity resolution can be scored per kind):

* ``translit``: another romanisation of the same name (Mohammed / Muhammad / Mohamed),
* ``ascii``: diacritics dropped or spelled out (Traoré → Traore, Müller → Mueller),
* ``typo``: one character deleted, doubled, replaced or two swapped,
* ``swap``: surname first (``DIALLO Mamadou``), as many manifests and some KYC systems write,
* ``script``: the name written in the native script of the person's nationality (Arabic,
  Perso-Arabic, Ge'ez, Cyrillic) where the other records write it romanised, or the other way
  round (:func:`native_name`),
* ``partial``: only part of the name survives (a middle name dropped, a given name cut to its
  initial: :func:`partial`),
* ``no_birth``: birth date missing,
* ``birth_swap``: day and month of the birth date swapped.

Namesakes (different people with one common name and the same birth year) are made in
:mod:`engine.synth.population` and listed in the ground truth.
"""

from __future__ import annotations

import unicodedata
from functools import cache

import numpy as np

# culture: (male first names, female first names, surnames)
POOLS: dict[str, tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = {
    "de": (("Lukas", "Jonas", "Felix", "Maximilian", "Paul", "Stefan", "Thomas", "Jürgen", "Michael", "Andreas"),
           ("Anna", "Lena", "Sophie", "Julia", "Katrin", "Sabine", "Petra", "Marie", "Laura", "Hannah"),
           ("Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Schulz", "Hoffmann", "Koch", "Richter", "Wolf", "Schäfer")),
    "fr": (("Jean", "Pierre", "Louis", "Nicolas", "Julien", "Antoine", "François", "Mathieu", "Hugo", "Thomas"),
           ("Marie", "Camille", "Léa", "Chloé", "Manon", "Élodie", "Sophie", "Claire", "Inès", "Julie"),
           ("Martin", "Bernard", "Dubois", "Durand", "Lefèvre", "Moreau", "Laurent", "Girard", "Roux", "Fournier", "Lambert", "Fontaine")),
    "it": (("Marco", "Luca", "Giuseppe", "Francesco", "Alessandro", "Andrea", "Matteo", "Lorenzo", "Davide", "Giovanni"),
           ("Giulia", "Francesca", "Chiara", "Sara", "Martina", "Valentina", "Elena", "Alessia", "Federica", "Anna"),
           ("Rossi", "Russo", "Ferrari", "Esposito", "Bianchi", "Romano", "Colombo", "Ricci", "Marino", "Greco", "Bruno", "Gallo")),
    "es": (("José", "Antonio", "Manuel", "Francisco", "David", "Javier", "Daniel", "Carlos", "Miguel", "Alejandro"),
           ("María", "Carmen", "Lucía", "Ana", "Laura", "Marta", "Paula", "Cristina", "Isabel", "Elena"),
           ("García", "Fernández", "González", "Rodríguez", "López", "Martínez", "Sánchez", "Pérez", "Gómez", "Martín", "Jiménez", "Ruiz")),
    "gr": (("Georgios", "Dimitrios", "Konstantinos", "Ioannis", "Nikolaos", "Panagiotis", "Vasileios", "Christos"),
           ("Maria", "Eleni", "Aikaterini", "Vasiliki", "Sofia", "Angeliki", "Georgia", "Dimitra"),
           ("Papadopoulos", "Nikolaidis", "Georgiou", "Papadakis", "Oikonomou", "Vlachos", "Karagiannis", "Christodoulou", "Pappas", "Dimitriou")),
    "nl": (("Jan", "Daan", "Sem", "Pieter", "Joost", "Bram", "Thijs", "Ruben"),
           ("Emma", "Sanne", "Lotte", "Anouk", "Femke", "Fleur", "Eva", "Iris"),
           ("de Jong", "Jansen", "de Vries", "van den Berg", "van Dijk", "Bakker", "Visser", "Smit", "Meijer", "de Boer")),
    "en": (("James", "Oliver", "George", "Harry", "Jack", "William", "Daniel", "Thomas", "Michael", "David"),
           ("Olivia", "Amelia", "Emily", "Sophie", "Jessica", "Charlotte", "Grace", "Emma", "Sarah", "Lucy"),
           ("Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Evans", "Walker", "Wright", "Robinson")),
    "balkan": (("Marko", "Nikola", "Stefan", "Luka", "Ivan", "Milan", "Aleksandar", "Dragan", "Tomasz", "Bogdan"),
               ("Ana", "Jelena", "Milica", "Ivana", "Marija", "Dragana", "Katarzyna", "Elena", "Ioana", "Petra"),
               ("Petrović", "Jovanović", "Nikolić", "Horvat", "Kovačević", "Popović", "Nagy", "Kowalski", "Popescu", "Ivanov", "Dimitrov", "Stojanović")),
    "tr": (("Mehmet", "Mustafa", "Ahmet", "Ali", "Hüseyin", "Hasan", "İbrahim", "Murat", "Emre", "Yusuf"),
           ("Ayşe", "Fatma", "Emine", "Hatice", "Zeynep", "Elif", "Meryem", "Şerife", "Zehra", "Merve"),
           ("Yılmaz", "Kaya", "Demir", "Şahin", "Çelik", "Yıldız", "Yıldırım", "Öztürk", "Aydın", "Özdemir", "Arslan", "Doğan")),
    "arab": (("Mohammed", "Ahmed", "Ali", "Omar", "Youssef", "Ibrahim", "Khaled", "Hussein", "Abdullah", "Mahmoud", "Hassan", "Mustafa"),
             ("Fatima", "Aisha", "Mariam", "Amina", "Layla", "Nour", "Zainab", "Khadija", "Salma", "Huda"),
             ("Al-Hassan", "Haddad", "Mansour", "Khalil", "Saleh", "Nasser", "Abdelrahman", "Hamdan", "Ibrahim", "Aziz", "El-Sayed", "Qasim", "Benali", "Haddadi")),
    "west_africa": (("Mamadou", "Ousmane", "Ibrahima", "Moussa", "Abdoulaye", "Chukwuemeka", "Oluwaseun", "Kwame", "Kofi", "Emmanuel", "Seydou"),
                    ("Aminata", "Fatoumata", "Mariama", "Aissatou", "Ngozi", "Chioma", "Ama", "Abena", "Awa", "Blessing"),
                    ("Diallo", "Traoré", "Koné", "Camara", "Sow", "Ndiaye", "Diop", "Keïta", "Coulibaly", "Okafor", "Adeyemi", "Mensah", "Boateng", "Okonkwo")),
    "horn": (("Tesfaye", "Abebe", "Yonas", "Dawit", "Hagos", "Mohamed", "Abdi", "Yusuf", "Mekonnen", "Berhane"),
             ("Mekdes", "Selam", "Hiwot", "Tigist", "Saba", "Hodan", "Fadumo", "Ayan", "Luwam", "Senait"),
             ("Tekle", "Gebremedhin", "Haile", "Abdi", "Warsame", "Farah", "Osman", "Hirsi", "Tesfamariam", "Kidane", "Ali", "Jama")),
    "east_africa": (("John", "Joseph", "Peter", "Baraka", "Juma", "Omondi", "Kamau", "Hamisi"),
                    ("Grace", "Mary", "Wanjiru", "Achieng", "Neema", "Zawadi", "Rehema", "Faith"),
                    ("Otieno", "Mwangi", "Kamau", "Odhiambo", "Njoroge", "Mushi", "Mbwana", "Macuácua", "Cossa", "Mondlane")),
    "south_asia": (("Ahmad", "Mohammad", "Zahir", "Karim", "Hamid", "Imran", "Bilal", "Reza", "Ali", "Farid", "Naveed", "Hussain"),
                   ("Fatima", "Zahra", "Maryam", "Ayesha", "Sana", "Nargis", "Parisa", "Shabnam", "Farzana", "Sadia"),
                   ("Rahimi", "Ahmadi", "Hakimi", "Popal", "Khan", "Hussain", "Iqbal", "Shah", "Raza", "Siddiqui", "Mohammadi", "Karimi", "Hosseini", "Qureshi")),
    "bengal": (("Mohammad", "Abdul", "Rahim", "Karim", "Shafiq", "Kamal", "Jamal", "Rafiq", "Anwar", "Habib"),
               ("Nasrin", "Fatema", "Rokeya", "Shirin", "Taslima", "Rahima", "Sultana", "Nusrat"),
               ("Rahman", "Hossain", "Islam", "Begum", "Akter", "Uddin", "Chowdhury", "Miah", "Khatun", "Sarkar")),
    "latin": (("José", "Juan", "Carlos", "Luis", "Jorge", "Miguel", "Pedro", "Jesús", "Francisco", "Edwin", "Wilmer", "Kevin"),
              ("María", "Ana", "Rosa", "Gabriela", "Carmen", "Sofía", "Daniela", "Karla", "Yesenia", "Guadalupe"),
              ("García", "Hernández", "López", "Martínez", "Rodríguez", "Pérez", "Gómez", "Ramírez", "Flores", "Morales", "Cruz", "Reyes", "Castillo", "Ortiz")),
    "haiti": (("Jean", "Pierre", "Joseph", "Jacques", "Wilson", "Frantz", "Emmanuel", "Jean-Baptiste"),
              ("Marie", "Rose", "Nadège", "Guerline", "Fabienne", "Mirlande", "Nathalie", "Widlyne"),
              ("Joseph", "Louis", "Pierre", "Jean-Louis", "Charles", "Baptiste", "Desir", "Augustin", "Étienne", "Dorvil")),
    "vn": (("Văn Đức", "Văn Hùng", "Minh Tuấn", "Quốc Bảo", "Hoàng Long", "Thành Công", "Văn Nam", "Đình Khoa"),
           ("Thị Lan", "Thị Hương", "Thị Mai", "Ngọc Anh", "Thu Trang", "Thị Hoa", "Minh Châu", "Bích Ngọc"),
           ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ")),
    "sea": (("Aung", "Kyaw", "Min", "Somchai", "Nguyen Van", "Ahmad", "Muhammad", "Budi", "Tran Van", "Zaw"),
            ("Thandar", "Su", "Nilar", "Siriporn", "Nguyen Thi", "Siti", "Nur", "Dewi", "Tran Thi", "Mya"),
            ("Win", "Thant", "Htun", "Oo", "Saetang", "Wongsa", "Nguyen", "Tran", "Le", "Abdullah", "Santoso", "Hassan")),
}  # fmt: skip

#: Romanisation variants: each tuple holds spellings of one name.
TRANSLIT: tuple[tuple[str, ...], ...] = (
    ("Mohammed", "Muhammad", "Mohamed", "Mohammad", "Mohamad", "Muhammed"),
    ("Ahmed", "Ahmad", "Ahmet"),
    ("Youssef", "Yusuf", "Yousef", "Youcef", "Yosef"),
    ("Hussein", "Hussain", "Husain", "Houssein", "Hüseyin"),
    ("Omar", "Umar", "Omer"),
    ("Khaled", "Khalid", "Chaled"),
    ("Mahmoud", "Mahmud", "Mahmood"),
    ("Abdullah", "Abdallah", "Abdulla"),
    ("Abdelrahman", "Abdul Rahman", "Abderrahmane", "Abdurrahman"),
    ("Al-Hassan", "Al Hassan", "Alhassan", "El-Hassan"),
    ("El-Sayed", "El Sayed", "Elsayed", "Al-Sayed"),
    ("Qasim", "Kasim", "Qassem", "Kassem"),
    ("Fatima", "Fatma", "Fatimah", "Fatema"),
    ("Aisha", "Aicha", "Ayesha", "Aysha"),
    ("Mariam", "Maryam", "Meryem", "Miriam"),
    ("Zainab", "Zeinab", "Zaynab"),
    ("Khadija", "Khadidja", "Hatice"),
    ("Mamadou", "Mamadu", "Mamadi"),
    ("Ibrahima", "Ibrahim", "Brahim"),
    ("Abdoulaye", "Abdulai", "Abdoulahi"),
    ("Ousmane", "Usman", "Othman", "Osman"),
    ("Traoré", "Traore", "Traorè"),
    ("Keïta", "Keita", "Kéita"),
    ("Koné", "Kone", "Konneh"),
    ("Gebremedhin", "Gebremedin", "Ghebremedhin"),
    ("Tesfamariam", "Tesfa Mariam", "Tesfamaryam"),
    ("Warsame", "Warsama", "Warsameh"),
    ("Hosseini", "Husseini", "Hoseini"),
    ("Mohammadi", "Muhammadi", "Mohamadi"),
    ("Rahimi", "Rahemi", "Raheemi"),
    ("Hossain", "Hussain", "Hosain"),
    ("Chowdhury", "Choudhury", "Chowdhuri"),
    ("Rahman", "Rehman", "Rahaman"),
    ("Hernández", "Hernandez", "Fernández"),
    ("Aung", "Aong"),
    ("Kyaw", "Kyau", "Chaw"),
    ("Jesús", "Jesus", "Jezus"),
)

#: Name culture by nationality where it differs from the country's in ``geo.COUNTRIES``.
CULTURE_OF: dict[str, str] = {"VN": "vn"}
#: Cultures whose people often carry a father's name between given name and surname.
PATRONYMIC = frozenset({"arab", "horn"})

#: The native script of each nationality whose names are not written in Latin script at home
#: (Vietnamese is Latin with diacritics: its variant is the ``ascii`` noise).
SCRIPT_OF: dict[str, str] = {
    **dict.fromkeys(("MR", "LY", "TN", "MA", "DZ", "EG", "SD", "SY", "IQ", "AE", "SA", "YE"), "arabic"),
    **dict.fromkeys(("AF", "IR", "PK"), "perso_arabic"),
    **dict.fromkeys(("ET", "ER"), "ethiopic"),
    **dict.fromkeys(("RS", "MK", "BG"), "cyrillic"),
    "VN": "vietnamese",
}  # fmt: skip

#: Native spellings of the pool names, per script (Cyrillic is spelled letter by letter).
NATIVE: dict[str, dict[str, str]] = {
    "arabic": {
        "Mohammed": "محمد", "Ahmed": "أحمد", "Ali": "علي", "Omar": "عمر", "Youssef": "يوسف",
        "Ibrahim": "إبراهيم", "Khaled": "خالد", "Hussein": "حسين", "Abdullah": "عبد الله",
        "Mahmoud": "محمود", "Hassan": "حسن", "Mustafa": "مصطفى", "Fatima": "فاطمة",
        "Aisha": "عائشة", "Mariam": "مريم", "Amina": "أمينة", "Layla": "ليلى", "Nour": "نور",
        "Zainab": "زينب", "Khadija": "خديجة", "Salma": "سلمى", "Huda": "هدى",
        "Al-Hassan": "الحسن", "Haddad": "حداد", "Mansour": "منصور", "Khalil": "خليل",
        "Saleh": "صالح", "Nasser": "ناصر", "Abdelrahman": "عبد الرحمن", "Hamdan": "حمدان",
        "Aziz": "عزيز", "El-Sayed": "السيد", "Qasim": "قاسم", "Benali": "بن علي",
        "Haddadi": "حدادي",
    },
    "perso_arabic": {
        "Ahmad": "احمد", "Mohammad": "محمد", "Zahir": "ظاهر", "Karim": "کریم", "Hamid": "حمید",
        "Imran": "عمران", "Bilal": "بلال", "Reza": "رضا", "Ali": "علی", "Farid": "فرید",
        "Naveed": "نوید", "Hussain": "حسین", "Fatima": "فاطمه", "Zahra": "زهرا",
        "Maryam": "مریم", "Ayesha": "عایشه", "Sana": "ثنا", "Nargis": "نرگس", "Parisa": "پریسا",
        "Shabnam": "شبنم", "Farzana": "فرزانه", "Sadia": "سعدیه", "Rahimi": "رحیمی",
        "Ahmadi": "احمدی", "Hakimi": "حکیمی", "Popal": "پوپل", "Khan": "خان", "Iqbal": "اقبال",
        "Shah": "شاه", "Raza": "رضا", "Siddiqui": "صدیقی", "Mohammadi": "محمدی",
        "Karimi": "کریمی", "Hosseini": "حسینی", "Qureshi": "قریشی",
    },
    "ethiopic": {
        "Tesfaye": "ተስፋዬ", "Abebe": "አበበ", "Yonas": "ዮናስ", "Dawit": "ዳዊት", "Hagos": "ሓጎስ",
        "Mohamed": "መሐመድ", "Yusuf": "ዩሱፍ", "Mekonnen": "መኮንን", "Berhane": "ብርሃነ",
        "Mekdes": "መቅደስ", "Selam": "ሰላም", "Hiwot": "ሕይወት", "Tigist": "ትዕግስት", "Saba": "ሳባ",
        "Luwam": "ሉዋም", "Senait": "ሰናይት", "Tekle": "ተክሌ", "Gebremedhin": "ገብረመድህን",
        "Haile": "ኃይሌ", "Osman": "ዑስማን", "Tesfamariam": "ተስፋማርያም", "Kidane": "ኪዳነ",
        "Ali": "ዓሊ", "Abdi": "ዓብዲ", "Farah": "ፋራሕ", "Jama": "ጃማ",
    },
}  # fmt: skip

_CYRILLIC = {
    "dž": "џ", "lj": "љ", "nj": "њ", "a": "а", "b": "б", "v": "в", "g": "г", "d": "д",
    "đ": "ђ", "e": "е", "ž": "ж", "z": "з", "i": "и", "j": "ј", "k": "к", "l": "л", "m": "м",
    "n": "н", "o": "о", "p": "п", "r": "р", "s": "с", "t": "т", "ć": "ћ", "u": "у", "f": "ф",
    "h": "х", "c": "ц", "č": "ч", "š": "ш", "w": "в", "y": "и", "x": "кс", "q": "к",
}  # fmt: skip
_CYR_KEYS = sorted(_CYRILLIC, key=len, reverse=True)


def _cyrillic(word: str) -> str:
    """Serbian-style Cyrillic spelling of a Latin word (``Petrović`` → ``Петровић``)."""
    out, i, low = [], 0, word.lower()
    while i < len(low):
        for k in _CYR_KEYS:
            if low.startswith(k, i):
                c = _CYRILLIC[k]
                out.append(c.upper() if word[i].isupper() else c)
                i += len(k)
                break
        else:
            out.append(word[i])
            i += 1
    return "".join(out)


def native_name(name: str, nationality: str | None) -> str | None:
    """``name`` (space-separated pool words) in the native script of ``nationality``; None
    where the nationality writes Latin script or a word has no native spelling here."""
    script = SCRIPT_OF.get(nationality or "")
    if script == "cyrillic":
        return " ".join(_cyrillic(w) for w in name.split(" "))
    table = NATIVE.get(script or "")
    if table is None:
        return None
    words = [table.get(w) for w in name.split(" ")]
    native = [w for w in words if w is not None]
    return None if len(native) < len(words) else " ".join(native)


def partial(first: str, last: str, rng: np.random.Generator) -> tuple[str, str]:
    """Part of a name: a middle word dropped when there is one, else the given name cut to its
    initial (``M. Haddad``)."""
    words = first.split(" ")
    if len(words) >= 2 and rng.random() < 0.7:
        del words[int(rng.integers(len(words)))]
        return " ".join(words), last
    return f"{first[0]}.", last


_VARIANTS: dict[str, tuple[str, ...]] = {}
for _group in TRANSLIT:
    for _name in _group:
        _VARIANTS.setdefault(_name, tuple(v for v in _group if v != _name))

_SPELLED = {"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue"}


@cache
def strip_accents(text: str) -> str:
    """Drop diacritics (``Traoré`` → ``Traore``; Turkish dotted/dotless i → ``i``; ``Đ`` → ``D``)."""
    text = text.replace("ı", "i").replace("İ", "I").replace("đ", "d").replace("Đ", "D")
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def transliterate(name: str, rng: np.random.Generator) -> str:
    """Replace each token that has romanisation variants by a random variant."""
    out = []
    for token in name.split(" "):
        variants = _VARIANTS.get(token)
        out.append(variants[int(rng.integers(len(variants)))] if variants else token)
    return " ".join(out)


def ascii_fold(name: str, rng: np.random.Generator) -> str:
    """Fold diacritics, spelling German umlauts out half of the time."""
    if rng.random() < 0.5:
        for k, v in _SPELLED.items():
            name = name.replace(k, v)
    return strip_accents(name)


def typo(name: str, rng: np.random.Generator) -> str:
    """One keyboard-style error: delete, double, replace or swap a letter (not the first)."""
    if len(name) < 4:
        return name + name[-1]
    i = int(rng.integers(1, len(name) - 1))
    op = int(rng.integers(4))
    if op == 0:
        return name[:i] + name[i + 1 :]
    if op == 1:
        return name[:i] + name[i] + name[i:]
    if op == 2:
        c = "aeinorstlu"[int(rng.integers(10))]
        return name[:i] + c + name[i + 1 :]
    return name[:i] + name[i + 1] + name[i] + name[i + 2 :]


def noise_signature(name: str) -> str:
    """How many words of ``name`` have romanisation variants, and whether it has diacritics:
    two names with one signature draw alike from the random generator when noised."""
    n = sum(token in _VARIANTS for token in name.split(" "))
    return f"{n}{int(strip_accents(name) != name)}"


def has_variants(name: str) -> bool:
    return any(token in _VARIANTS for token in name.split(" "))
