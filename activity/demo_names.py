"""Names for demo members: first names, last names and time zones, by region."""

# Each region: first names, last names, and time zones where such names are common.
REGIONS: list[tuple[list[str], list[str], list[str]]] = [
    (
        (
            "Aarav Priya Vihaan Ananya Arjun Diya Rohan Kavya Ishaan Meera Aditya "
            "Saanvi Karan Nisha Rahul Pooja Vikram Sneha"
        ).split(),
        (
            "Sharma Patel Iyer Reddy Nair Gupta Singh Mehta Rao Kulkarni Banerjee Das "
            "Joshi Chopra Menon Pillai"
        ).split(),
        (
            "Asia/Kolkata Asia/Kolkata Asia/Kolkata Asia/Colombo Asia/Kathmandu "
            "Asia/Dhaka"
        ).split(),
    ),
    (
        "Haruto Yui Sota Hina Ren Aoi Yuto Sakura Minato Mei".split(),
        "Sato Suzuki Takahashi Tanaka Watanabe Ito Yamamoto Nakamura".split(),
        "Asia/Tokyo".split(),
    ),
    (
        (
            "Wei Fang Jun Li Hao Xin Yang Ming Jia Lei Ji-woo Min-jun Seo-yeon Linh "
            "Minh Siti Budi Putri Somchai"
        ).split(),
        (
            "Wang Li Zhang Liu Chen Huang Kim Park Lee Nguyen Tran Santoso Wijaya "
            "Reyes Santos Tan Lim"
        ).split(),
        (
            "Asia/Shanghai Asia/Hong_Kong Asia/Singapore Asia/Seoul Asia/Jakarta "
            "Asia/Manila Asia/Bangkok Asia/Ho_Chi_Minh Asia/Taipei"
        ).split(),
    ),
    (
        (
            "Omar Fatima Ahmed Layla Youssef Mariam Karim Noor Hassan Amira Tariq "
            "Zainab"
        ).split(),
        "Haddad Khalil Mansour Nasser Saleh Farouk Aziz Rahman Hussein Mahmoud".split(),
        (
            "Asia/Dubai Asia/Riyadh Africa/Cairo Asia/Amman Asia/Karachi Asia/Tehran "
            "Europe/Istanbul"
        ).split(),
    ),
    (
        (
            "Chinedu Amara Kwame Ama Tendai Zanele Kofi Nia Juma Wanjiru Thabo Ayodele"
        ).split(),
        "Okafor Mensah Dlamini Mwangi Osei Adeyemi Nkosi Ochieng Abubakar Moyo".split(),
        (
            "Africa/Lagos Africa/Nairobi Africa/Johannesburg Africa/Accra "
            "Africa/Casablanca Africa/Addis_Ababa"
        ).split(),
    ),
    (
        (
            "Emma Lukas Sofia Mateo Chloé Noah Léa Luca Ingrid Lars Zofia Jakub Giulia "
            "Marco Hannah Felix Olga Dmitri Anna Pierre"
        ).split(),
        (
            "Müller Schmidt Dubois Martin Rossi Bianchi García López Nowak Kowalski "
            "Andersson Johansson Jensen Visser Ivanov Petrova Novák Papadopoulos"
        ).split(),
        (
            "Europe/London Europe/Dublin Europe/Lisbon Europe/Paris Europe/Berlin "
            "Europe/Madrid Europe/Rome Europe/Amsterdam Europe/Stockholm Europe/Warsaw "
            "Europe/Prague Europe/Athens Europe/Helsinki Europe/Kyiv Europe/Moscow"
        ).split(),
    ),
    (
        (
            "James Olivia Liam Ava Ethan Mia Lucas Harper Mason Evelyn Logan Abigail "
            "Emily Daniel Grace Henry Chloe Jacob"
        ).split(),
        (
            "Smith Johnson Williams Brown Jones Miller Davis Wilson Anderson Taylor "
            "Thomas Moore Jackson White Harris Clark Lewis Young"
        ).split(),
        (
            "America/New_York America/Chicago America/Denver America/Phoenix "
            "America/Los_Angeles America/Anchorage Pacific/Honolulu America/Toronto "
            "America/Vancouver America/Halifax"
        ).split(),
    ),
    (
        (
            "Santiago Valentina Mateus Camila Gabriel Isabela Diego Lucía Joaquín "
            "Mariana Thiago Renata"
        ).split(),
        (
            "Silva Santos Oliveira Souza Rodríguez Hernández González Pérez Sánchez "
            "Ramírez Torres Flores"
        ).split(),
        (
            "America/Sao_Paulo America/Mexico_City America/Bogota America/Lima "
            "America/Argentina/Buenos_Aires America/Santiago America/Caracas "
            "America/Manaus"
        ).split(),
    ),
    (
        (
            "Jack Charlotte Oliver Amelia William Isla Cooper Matilda Aroha Tane Mere "
            "Nikau"
        ).split(),
        (
            "Wilson Campbell Kelly Walker White Ngata Parata Tipene Thompson Robinson"
        ).split(),
        (
            "Australia/Sydney Australia/Melbourne Australia/Brisbane Australia/Perth "
            "Australia/Adelaide Pacific/Auckland Pacific/Fiji"
        ).split(),
    ),
]
