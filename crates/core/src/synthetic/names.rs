//! The synthetic generator's tables: naming cultures, regions, note phrases, drugs and
//! the deny-list of well-known names. Data only; `super::Tables` builds on it.

use super::{CultureData, RegionData};

pub(super) const NOTE_OPENINGS: &[&str] = &[
    "Presents with {c} {d}.",
    "Patient reports {c} {d}.",
    "Attends with {c} {d}.",
    "Telephone consultation: {c} {d}.",
    "Review visit for {c} {d}, slowly improving.",
    "Seen with a relative; {c} {d}.",
];

pub(super) const NOTE_COMPLAINTS: &[&str] = &[
    "a dry cough",
    "a sore throat",
    "lower back pain",
    "intermittent headaches",
    "tiredness",
    "shortness of breath on exertion",
    "burning on urination",
    "an itchy rash on both forearms",
    "pain in the right knee",
    "heartburn after meals",
    "dizziness when standing up",
    "a blocked nose and facial pressure",
    "poor sleep",
    "palpitations",
    "left ear pain",
    "loose stools",
    "swollen ankles",
    "a painful left shoulder",
    "low mood",
    "a tender lump in the groin",
];

pub(super) const NOTE_FINDINGS: &[&str] = &[
    "Chest clear on auscultation.",
    "Throat mildly red, no exudate.",
    "Tender over the lumbar muscles, no neurological deficit.",
    "Abdomen soft and non-tender.",
    "No abnormality found on examination.",
    "Mild pitting oedema of both ankles.",
    "Right tympanic membrane dull, no perforation.",
    "Knee stable, small effusion, full range of movement.",
];

pub(super) const NOTE_PLANS: &[&str] = &[
    "Advised rest and fluids; review in one week if not improving.",
    "Blood tests requested (full blood count, CRP).",
    "Prescription issued; safety-net advice given.",
    "Referred to physiotherapy.",
    "Continue current medication and review in 3 months.",
    "Urine sample sent for culture.",
    "Lifestyle changes discussed; follow-up in 4 weeks.",
    "ECG arranged for this week.",
    "Patient to keep a symptom diary and book a review.",
];

/// `name|strengths|doses|frequencies`, lists `;`-separated.
pub(super) const DRUGS: &[&str] = &[
    "Amoxicillin|250 mg;500 mg|1 capsule|3 times daily",
    "Ibuprofen|200 mg;400 mg|1 tablet|3 times daily with food;up to 3 times daily as needed",
    "Paracetamol|500 mg|1 tablet;2 tablets|every 6 hours as needed;4 times daily",
    "Metformin|500 mg;850 mg;1000 mg|1 tablet|once daily;twice daily",
    "Ramipril|2.5 mg;5 mg;10 mg|1 capsule|once daily",
    "Amlodipine|5 mg;10 mg|1 tablet|once daily",
    "Atorvastatin|10 mg;20 mg;40 mg|1 tablet|once daily at night",
    "Omeprazole|20 mg;40 mg|1 capsule|once daily before breakfast",
    "Salbutamol inhaler|100 micrograms/dose|1 puff;2 puffs|as needed, up to 4 times daily",
    "Levothyroxine|25 micrograms;50 micrograms;100 micrograms|1 tablet|once daily before breakfast",
    "Cetirizine|10 mg|1 tablet|once daily",
    "Sertraline|50 mg;100 mg|1 tablet|once daily",
    "Doxycycline|100 mg|1 capsule|once daily;twice daily",
    "Nitrofurantoin|100 mg|1 capsule|twice daily",
    "Prednisolone|5 mg|6 tablets;8 tablets|once daily in the morning",
    "Bisoprolol|1.25 mg;2.5 mg;5 mg|1 tablet|once daily",
    "Lansoprazole|15 mg;30 mg|1 capsule|once daily",
    "Amoxicillin oral suspension|250 mg/5 ml|5 ml;10 ml|3 times daily",
    "Naproxen|250 mg;500 mg|1 tablet|twice daily with food",
    "Clarithromycin|250 mg;500 mg|1 tablet|twice daily",
    "Losartan|50 mg;100 mg|1 tablet|once daily",
    "Fluticasone nasal spray|50 micrograms/spray|2 sprays in each nostril|once daily",
    "Apixaban|2.5 mg;5 mg|1 tablet|twice daily",
    "Colecalciferol|1000 IU;20000 IU|1 capsule|once daily;once weekly",
];

/// Well-known people that free combination could name; `;`-separated, shown forms.
pub(super) const FAMOUS: &str =
    "James Brown;Michael Jackson;George Harrison;Charlie Brown;Henry Cooper;\
    Grace Kelly;Dylan Thomas;Jack White;Richard Harris;Liam Gallagher;Michael Collins;\
    Joseph Smith;James Cook;Thomas Cook;William Morris;Kenneth Clarke;Grace Jones;\
    James Taylor;Robert Smith;Emma Watson;Emma Thompson;Emma Roberts;Sophie Turner;\
    Lily Allen;Jessica Simpson;Lauren Hill;Abigail Adams;Harper Lee;Dorothy Parker;\
    Linda Evans;Susan Collins;Joan Collins;Shirley Williams;Julia Roberts;Alice Cooper;\
    Thomas Müller;Manfred Weber;Ben Becker;Sebastian Koch;Antoine Dupont;Laurent Blanc;\
    Hervé Renard;Jean-Luc Picard;Philippe Petit;Sergio Ramos;Raúl González;Marta Sánchez;\
    Javier Hernández;Pilar Rubio;Mario Vargas;Fernanda Torres;Alejandro Sanz;Hugo Sánchez;\
    Lucas Hernández;Mario Gómez;Diego Costa;Daniel Alves;Marcos Alonso;Paulo Coelho;\
    Rui Costa;António Costa;Bruno Fernandes;Thiago Silva;Fernando Santos;Bruno Alves;\
    André Silva;Nuno Gomes;Roberto Mancini;Gianluca Mancini;Luca Marini;\
    Federica Pellegrini;Sofia Coppola;Giuseppe Rossi;Fabrizio Romano;Jan Smit;\
    Luuk de Jong;Koen Wouters;Jan Janssen;Jan Mulder;Henrik Larsson;Karin Larsson;\
    Mikkel Hansen;Morten Olsen;Viggo Mortensen;Göran Persson;Gunnar Nilsson;Antti Niemi;\
    Janne Ahonen;Matti Salminen;Mikko Hirvonen;Olli Jokinen;Jussi Jokinen;Sami Salo;\
    Jerzy Dudek;Kazimierz Górski;Tomasz Majewski;Piotr Zieliński;Michał Kwiatkowski;\
    Anita Włodarczyk;Krzysztof Krawczyk;Michał Wiśniewski;Jiří Procházka;Jan Veselý;\
    Jana Novotná;Radek Štěpánek;Imre Nagy;István Szabó;Péter Magyar;Ferenc Molnár;\
    Katalin Novák;Katalin Kovács;Gábor Király;Miklós Fehér;László Papp;Ádám Szalai;\
    Burak Yılmaz;Emre Can;Cem Yılmaz;Uğur Şahin;Ali Koç;Ahmet Kaya;Murat Yıldırım;\
    Cem Karaca;Gökhan Türkmen;Γεώργιος Παπαδόπουλος;Georgios Papadopoulos;\
    Сергей Королёв;Sergei Korolyov;Анна Павлова;Anna Pavlova;Иван Павлов;Ivan Pavlov;\
    Светлана Кузнецова;Svetlana Kuznetsova;Мария Захарова;Maria Zakharova;\
    Александр Попов;Aleksandr Popov;Владимир Соловьёв;Vladimir Solovyov;\
    Юлия Волкова;Yulia Volkova;Екатерина Макарова;Ekaterina Makarova;\
    Евгений Кузнецов;Evgeny Kuznetsov;Андрій Шевченко;Andrii Shevchenko;\
    Тарас Шевченко;Taras Shevchenko;Микола Лисенко;Mykola Lysenko;Ірина Білик;Iryna Bilyk;\
    رامي يوسف;Rami Youssef;نادية مراد;Nadia Mourad;Nadia Murad;ليلى مراد;Layla Mourad;\
    أحمد سعد;Ahmed Saad;דוד לוי;David Levi;אייל גולן;Eyal Golan;משה פרץ;Moshe Peretz;\
    राजेश खन्ना;Rajesh Khanna;राकेश शर्मा;Rakesh Sharma;संजय गुप्ता;Sanjay Gupta;\
    Sunita Williams;लक्ष्मी मित्तल;Lakshmi Mittal;नेहा शर्मा;Neha Sharma;मनोज तिवारी;\
    Manoj Tiwari;संजय मिश्रा;Sanjay Mishra;पूजा भट्ट;Pooja Bhatt;विकास खन्ना;Vikas Khanna;\
    अमित मिश्रा;Amit Mishra;महेश भट्ट;Mahesh Bhatt;ज्योति सिंह;Jyoti Singh;पल्लवी जोशी;\
    Pallavi Joshi;ममता कुलकर्णी;Mamta Kulkarni;श्वेता तिवारी;Shweta Tiwari;विजय वर्मा;\
    Vijay Verma;Balaji Srinivasan;Ramesh Krishnan;Meena Kandasamy;Ganesh Venkatraman;\
    李娜;Li Na;李鹏;Li Peng;张杰;Zhang Jie;刘涛;Liu Tao;马丽;Ma Li;韩雪;Han Xue;朱军;Zhu Jun;\
    周涛;Zhou Tao;小野洋子;Yōko Ono;Yoko Ono;Ken Watanabe;村上隆;Takashi Murakami;\
    中村俊輔;Shunsuke Nakamura;小林幸子;Sachiko Kobayashi;Takashi Shimizu;小林誠;\
    Makoto Kobayashi;Hiroshi Abe;Ryō Ishikawa;渡辺直美;Naomi Watanabe;高橋大輔;\
    Daisuke Takahashi;박지민;Park Jimin;박서준;Park Seojun;이준호;Lee Junho;이승현;\
    Lee Seunghyun;정지훈;Jung Jihoon;한지민;Han Jimin;최민수;Choi Minsu;이성민;Lee Sungmin;\
    Phan Văn Đức;Nguyễn Minh Châu;Kemi Adegoke;Tope Alabi;David Adeleke";

pub(super) const CULTURES: &[CultureData] = &[
    CultureData {
        key: "english",
        weight: 8,
        female: "Olivia;Amelia;Isla;Ava;Emily;Sophie;Grace;Lily;Charlotte;Ruby;Hannah;Chloe;\
            Megan;Jessica;Lauren;Abigail;Madison;Harper;Evelyn;Zoë;Bethany;Kayleigh;Margaret;\
            Dorothy;Patricia;Linda;Barbara;Susan;Deborah;Joan;Eileen;Shirley;Maureen;Gwen;\
            Rhiannon;Siobhán;Niamh;Aoife;Órla",
        male: "Oliver;George;Harry;Jack;Jacob;Noah;Charlie;Thomas;Oscar;William;James;Henry;\
            Liam;Ethan;Mason;Logan;Tyler;Brandon;Connor;Seán;Ciarán;Declan;Callum;Rhys;Gareth;\
            Dylan;Robert;Michael;David;Richard;Joseph;Kenneth;Raymond;Gerald;Dennis;Trevor;\
            Nigel;Graham",
        family: "Smith;Jones;Williams;Taylor;Brown;Davies;Evans;Wilson;Thomas;Johnson;Roberts;\
            Robinson;Thompson;Wright;Walker;White;Edwards;Hughes;Green;Hall;Lewis;Harris;Clarke;\
            Jackson;Wood;Turner;Martin;Cooper;Hill;Ward;Morris;Moore;Clark;Lee;King;Baker;\
            Harrison;Morgan;Allen;Scott;Phillips;Watson;Davis;Parker;Price;Bennett;Young;\
            Griffiths;Mitchell;Kelly;Cook;Carter;Richardson;Bailey;Collins;Bell;Shaw;Murphy;\
            Miller;Cox;Marshall;Anderson;Simpson;Ellis;Adams;O'Brien;O'Connor;O'Sullivan;\
            McCarthy;MacDonald;McLeod;Fitzgerald;Gallagher;Doherty;Byrne;Quinn;Llewellyn;\
            Fletcher;Smith-Jones;Ashworth-Brown;Taylor-Wood",
        feminine: "",
        double_family: (3, "-"),
        regions: "GB;US;IE;AU",
    },
    CultureData {
        key: "german",
        weight: 6,
        female: "Anna;Lena;Leonie;Lea;Hannah;Mia;Marie;Sophie;Johanna;Katharina;Julia;Laura;\
            Sabine;Petra;Ursula;Monika;Gisela;Helga;Renate;Ingrid;Birgit;Jutta;Heike;Anke;Silke;\
            Doris;Brigitte;Gerlinde;Mechthild;Käthe;Grete;Liselotte;Hildegard;Frauke;Maren;\
            Wiebke;Zoë;Jördis",
        male: "Lukas;Leon;Felix;Maximilian;Paul;Jonas;Finn;Elias;Ben;Tobias;Florian;Sebastian;\
            Stefan;Thomas;Michael;Andreas;Jürgen;Klaus;Uwe;Wolfgang;Dieter;Günter;Horst;Manfred;\
            Jörg;Matthias;Ulrich;Bernd;Dirk;Sven;Torsten;Rüdiger;Ralf;Hans-Peter;Karl-Heinz;\
            Heinz;Lutz;Gerd;Björn",
        family: "Müller;Schmidt;Schneider;Fischer;Weber;Meyer;Wagner;Becker;Schulz;Hoffmann;\
            Schäfer;Koch;Bauer;Richter;Klein;Wolf;Schröder;Neumann;Schwarz;Zimmermann;Braun;\
            Krüger;Hofmann;Hartmann;Lange;Schmitt;Werner;Schmitz;Krause;Meier;Lehmann;Schulze;\
            Maier;Köhler;Herrmann;König;Walter;Huber;Kaiser;Fuchs;Scholz;Möller;Weiß;Jung;Hahn;\
            Keller;Vogel;Günther;Berger;Winkler;Lorenz;Baumann;Albrecht;Schuster;Böhm;Krämer;\
            Vogt;Jäger;Sommer;Groß;Seidel;Strauß;Meißner;Großmann;Nußbaum;Eßer;Kühn;Pfeiffer;\
            von Arnim;von der Heide;Becker-Lohmann",
        feminine: "",
        double_family: (2, "-"),
        regions: "DE;AT;CH",
    },
    CultureData {
        key: "french",
        weight: 5,
        female: "Camille;Léa;Manon;Chloé;Inès;Jade;Louise;Zoé;Élodie;Émilie;Céline;Sandrine;\
            Nathalie;Isabelle;Sylvie;Catherine;Françoise;Monique;Hélène;Agnès;Mathilde;Margaux;\
            Anaïs;Océane;Maëlle;Noémie;Solène;Gaëlle;Marie-Claire;Anne-Sophie;Clémence;\
            Geneviève;Bérénice;Ségolène",
        male: "Lucas;Hugo;Louis;Gabriel;Arthur;Jules;Théo;Nathan;Raphaël;Mathis;Maxime;Antoine;\
            Nicolas;Julien;Sébastien;Jérôme;Stéphane;Frédéric;Laurent;Philippe;Pascal;Thierry;\
            Benoît;François;Jean-Pierre;Jean-Luc;Gaël;Loïc;Yannick;Cédric;Aurélien;Rémi;Joël;\
            Hervé;André;Régis",
        family: "Martin;Bernard;Thomas;Petit;Robert;Richard;Durand;Dubois;Moreau;Laurent;Simon;\
            Michel;Lefèvre;Leroy;Roux;David;Bertrand;Morel;Fournier;Girard;Bonnet;Dupont;\
            Lambert;Fontaine;Vincent;Lefebvre;Faure;Mercier;Blanc;Guérin;Boyer;Garnier;\
            Chevalier;Legrand;Gauthier;Perrin;Robin;Clément;Morin;Mathieu;Masson;Marchand;Duval;\
            Lemaire;Noël;Dufour;Meunier;Brun;Rivière;Barbier;Arnaud;Gérard;Renard;Caron;Picard;\
            Lacroix;Lévêque;Prévost;Carré;Ménard;Maréchal;Barthélemy;Le Gall;Le Goff;Le Roux;\
            d'Almeida;Martin-Lavigne;Bénard",
        feminine: "",
        double_family: (2, "-"),
        regions: "FR;BE;CH",
    },
    CultureData {
        key: "spanish",
        weight: 6,
        female: "Lucía;Sofía;Martina;María;Paula;Valentina;Julia;Daniela;Carmen;Isabel;Ana;\
            Laura;Marta;Elena;Pilar;Dolores;Rocío;Inmaculada;Montserrat;Begoña;Nerea;Ainhoa;\
            Itziar;Guadalupe;Ximena;Fernanda;Camila;Verónica;Ángela;Araceli;María José;Consuelo",
        male: "Hugo;Mateo;Martín;Lucas;Leo;Daniel;Alejandro;Pablo;Manuel;Álvaro;Adrián;David;\
            Mario;Diego;Javier;José;Antonio;Francisco;Juan;Jesús;Miguel Ángel;Sergio;Raúl;Rubén;\
            Iñaki;Joaquín;Íker;Santiago;Sebastián;Emiliano;Rodrigo;Gonzalo;Ignacio",
        family: "García;Rodríguez;González;Fernández;López;Martínez;Sánchez;Pérez;Gómez;Martín;\
            Jiménez;Ruiz;Hernández;Díaz;Moreno;Muñoz;Álvarez;Romero;Alonso;Gutiérrez;Navarro;\
            Torres;Domínguez;Vázquez;Ramos;Gil;Ramírez;Serrano;Blanco;Molina;Morales;Suárez;\
            Ortega;Delgado;Castro;Ortiz;Rubio;Marín;Sanz;Núñez;Ibáñez;Peña;Yáñez;Ordóñez;Ñíguez;\
            Castañeda;Herrera;Medina;Aguilar;Vega;Cortés;Castillo;Guerrero;Mendoza;Flores;Rojas;\
            Vargas;Reyes;Ríos;Cabrera;Echeverría;Goikoetxea;Etxeberria;de la Cruz;de la Fuente;\
            del Río;de los Santos;San Martín",
        feminine: "",
        double_family: (60, " "),
        regions: "ES;MX;AR;CO",
    },
    CultureData {
        key: "portuguese",
        weight: 4,
        female: "Beatriz;Leonor;Matilde;Carolina;Inês;Mariana;Ana;Maria;Joana;Francisca;Rita;\
            Sofia;Catarina;Teresa;Conceição;Fátima;Graça;Luísa;Margarida;Helena;Gabriela;\
            Larissa;Júlia;Letícia;Thaís;Luana;Vitória;Raquel;Lúcia;Débora;Cecília;Tânia",
        male: "João;Francisco;Santiago;Rodrigo;Afonso;Tomás;Duarte;Gonçalo;Rafael;Miguel;Pedro;\
            Tiago;André;Bruno;Luís;António;Manuel;José;Fernando;Paulo;Rui;Vítor;Nuno;Sérgio;\
            Marcos;Thiago;Gustavo;Guilherme;Felipe;Leonardo;Caio;Matheus;Henrique;Joaquim",
        family: "Silva;Santos;Ferreira;Pereira;Oliveira;Costa;Rodrigues;Martins;Jesus;Sousa;\
            Fernandes;Gonçalves;Gomes;Lopes;Marques;Alves;Almeida;Ribeiro;Pinto;Carvalho;\
            Teixeira;Moreira;Correia;Mendes;Nunes;Soares;Vieira;Monteiro;Cardoso;Rocha;Raposo;\
            Neves;Coelho;Cunha;Pires;Reis;Simões;Antunes;Matos;Fonseca;Araújo;Barbosa;Lima;\
            Azevedo;Brandão;Guimarães;Leite;Macedo;Queirós;Sampaio;Tavares;Medeiros;da Silva;\
            dos Santos;da Costa;de Sousa;do Nascimento",
        feminine: "",
        double_family: (40, " "),
        regions: "PT;BR",
    },
    CultureData {
        key: "italian",
        weight: 4,
        female: "Giulia;Sofia;Aurora;Alice;Ginevra;Emma;Giorgia;Beatrice;Chiara;Francesca;\
            Federica;Valentina;Elisa;Silvia;Paola;Roberta;Alessandra;Antonella;Rosaria;Carmela;\
            Giuseppina;Annunziata;Concetta;Maria Grazia;Loredana;Raffaella;Noemi;Martina;Ilaria;\
            Serena;Benedetta;Ludovica",
        male: "Leonardo;Francesco;Alessandro;Lorenzo;Mattia;Tommaso;Gabriele;Andrea;Riccardo;\
            Edoardo;Matteo;Giuseppe;Giovanni;Antonio;Salvatore;Vincenzo;Luca;Marco;Davide;\
            Stefano;Massimo;Fabrizio;Roberto;Pasquale;Gennaro;Niccolò;Carmine;Raffaele;Domenico;\
            Pierluigi;Gianluca;Ciro",
        family: "Rossi;Russo;Ferrari;Esposito;Bianchi;Romano;Colombo;Ricci;Marino;Greco;Bruno;\
            Gallo;Conti;De Luca;Mancini;Costa;Giordano;Rizzo;Lombardi;Moretti;Barbieri;Fontana;\
            Santoro;Mariani;Rinaldi;Caruso;Ferrara;Galli;Martini;Leone;Longo;Gentile;Martinelli;\
            Vitale;Lombardo;Serra;Coppola;De Santis;D'Angelo;Marchetti;Parisi;Ferraro;Ferri;\
            Fabbri;Marini;Grasso;Valentini;Messina;Sala;De Angelis;Gatti;Pellegrini;Palumbo;\
            Sanna;Farina;Cattaneo;Amato;Silvestri;D'Amico;Dell'Acqua;Lo Russo;Di Stefano",
        feminine: "",
        double_family: (0, ""),
        regions: "IT;CH",
    },
    CultureData {
        key: "dutch",
        weight: 3,
        female: "Emma;Julia;Mila;Tess;Sophie;Zoë;Sara;Nora;Evi;Lotte;Sanne;Fleur;Femke;Iris;\
            Noor;Anouk;Maaike;Marieke;Ilse;Esther;Ingrid;Wilma;Annelies;Margriet;Saskia;Tessa;\
            Floor;Roos;Mirjam;Hanneke;Geertje;Ans",
        male: "Daan;Sem;Lucas;Bram;Thijs;Jeroen;Pieter;Joost;Maarten;Sander;Bas;Ruben;Niels;\
            Wouter;Koen;Stijn;Gert;Henk;Kees;Jan;Willem;Arjen;Teun;Jesse;Milan;Jasper;Hendrik;\
            Sjoerd;Wiebe;Gijs;Luuk;Joris",
        family: "de Jong;Jansen;de Vries;van den Berg;van der Berg;van Dijk;Bakker;Janssen;\
            Visser;Smit;Meijer;de Boer;Mulder;de Groot;Bos;Vos;Peters;Hendriks;van Leeuwen;\
            Dekker;Brouwer;de Wit;Dijkstra;Smits;de Graaf;van der Meer;van der Linden;Kok;\
            Jacobs;de Haan;Vermeulen;van den Heuvel;van der Veen;van den Bosch;Kuipers;Schouten;\
            Willems;Hoekstra;Koster;Verhoeven;Prins;Huisman;Peeters;Maes;Claes;Goossens;Wouters;\
            De Smet;Janssens;Mertens;IJzerman;van 't Hof",
        feminine: "",
        double_family: (0, ""),
        regions: "NL;BE",
    },
    CultureData {
        key: "nordic",
        weight: 3,
        female: "Alma;Astrid;Ebba;Elsa;Freja;Ingrid;Karin;Kerstin;Linnea;Maja;Sigrid;Signe;\
            Solveig;Liv;Ida;Nora;Frida;Åsa;Märta;Björg;Kristín;Guðrún;Sigríður;Þóra;Helga;\
            Birgitta;Margrethe;Mette;Pernille;Lærke;Sølvi;Tove",
        male: "Lars;Erik;Anders;Johan;Nils;Olof;Magnus;Henrik;Mikkel;Søren;Rasmus;Mads;Jesper;\
            Morten;Bjørn;Øyvind;Ståle;Håkon;Sindre;Eirik;Jónas;Gunnar;Sigurður;Þór;Ólafur;Einar;\
            Oskar;Axel;Emil;Viggo;Åke;Göran",
        family: "Andersson;Johansson;Karlsson;Nilsson;Eriksson;Larsson;Olsson;Persson;Svensson;\
            Gustafsson;Lindberg;Lindström;Lindqvist;Berglund;Bergström;Sjöberg;Åberg;Öberg;\
            Ström;Håkansson;Ekström;Jensen;Nielsen;Hansen;Pedersen;Christensen;Larsen;Sørensen;\
            Rasmussen;Jørgensen;Madsen;Kristensen;Olsen;Thomsen;Poulsen;Møller;Mortensen;\
            Østergaard;Kjær;Dahl;Lund;Holm;Nygaard;Haugen;Hagen;Bakke;Strand;Eide;Ødegård;\
            Halvorsen;Sæther;Brekke;Myhre;Ørsted;Jónsson~Jónsdóttir;\
            Sigurðsson~Sigurðardóttir;Guðmundsson~Guðmundsdóttir;Einarsson~Einarsdóttir;\
            Ólafsson~Ólafsdóttir;Magnússon~Magnúsdóttir;Þórsson~Þórsdóttir",
        feminine: "",
        double_family: (0, ""),
        regions: "SE;NO;DK;IS",
    },
    CultureData {
        key: "finnish",
        weight: 2,
        female: "Aino;Eevi;Helmi;Aada;Siiri;Venla;Ella;Lilja;Pihla;Iida;Sanna;Tiina;Päivi;Pirjo;\
            Tuula;Leena;Marjatta;Ritva;Anneli;Hannele;Kaarina;Minna;Satu;Riikka;Johanna;Katja;\
            Heidi;Jenni;Noora;Elina;Sari;Tyyne",
        male: "Juhani;Matti;Mikko;Jukka;Timo;Antti;Pekka;Kari;Heikki;Jari;Markku;Ville;Lauri;\
            Eino;Väinö;Onni;Leevi;Eetu;Aleksi;Niko;Tuomas;Janne;Jussi;Petri;Risto;Sami;Teemu;\
            Joonas;Arttu;Pentti;Seppo;Olli;Tapio",
        family: "Korhonen;Virtanen;Mäkinen;Nieminen;Mäkelä;Hämäläinen;Laine;Heikkinen;Koskinen;\
            Järvinen;Lehtonen;Lehtinen;Saarinen;Salminen;Heinonen;Niemi;Heikkilä;Kinnunen;\
            Salonen;Turunen;Salo;Laitinen;Tuominen;Rantanen;Karjalainen;Jokinen;Mattila;\
            Savolainen;Lahtinen;Ahonen;Hiltunen;Kallio;Pitkänen;Leppänen;Väisänen;Hirvonen;\
            Miettinen;Aaltonen;Manninen;Peltonen;Hakala;Räsänen;Kärkkäinen;Öhman;Åström",
        feminine: "",
        double_family: (0, ""),
        regions: "FI",
    },
    CultureData {
        key: "polish",
        weight: 4,
        female: "Zofia;Zuzanna;Hanna;Julia;Maja;Lena;Alicja;Maria;Oliwia;Amelia;Wiktoria;\
            Aleksandra;Natalia;Agnieszka;Małgorzata;Katarzyna;Barbara;Krystyna;Elżbieta;Ewa;\
            Joanna;Magdalena;Dorota;Grażyna;Jadwiga;Halina;Bożena;Urszula;Beata;Iwona;Renata;\
            Teresa;Żaneta;Jolanta",
        male: "Jan;Antoni;Jakub;Szymon;Franciszek;Filip;Aleksander;Mikołaj;Wojciech;Kacper;\
            Piotr;Krzysztof;Andrzej;Tomasz;Paweł;Marcin;Michał;Łukasz;Grzegorz;Mariusz;Dariusz;\
            Zbigniew;Jerzy;Tadeusz;Stanisław;Józef;Kazimierz;Ryszard;Bogdan;Sławomir;Zdzisław;\
            Przemysław;Maciej",
        family: "Nowak;Kowalski;Wiśniewski;Wójcik;Kowalczyk;Kamiński;Zieliński;Szymański;\
            Woźniak;Dąbrowski;Kozłowski;Jankowski;Mazur;Kwiatkowski;Krawczyk;Piotrowski;\
            Grabowski;Nowakowski;Pawłowski;Michalski;Nowicki;Adamczyk;Dudek;Zając;Wieczorek;\
            Jabłoński;Król;Majewski;Olszewski;Jaworski;Wróbel;Malinowski;Pawlak;Witkowski;\
            Walczak;Stępień;Górski;Rutkowski;Sikora;Ostrowski;Baran;Szewczyk;Pietrzak;Zawadzki;\
            Sadowski;Bąk;Chmielewski;Włodarczyk;Czarnecki;Sokołowski;Kaźmierczak;Ziółkowski;\
            Gołębiowski;Żak;Łuczak;Śliwiński",
        feminine: "ski=ska;cki=cka;dzki=dzka",
        double_family: (0, ""),
        regions: "PL",
    },
    CultureData {
        key: "czech",
        weight: 2,
        female: "Eliška;Anna;Tereza;Adéla;Natálie;Karolína;Kristýna;Barbora;Lucie;Veronika;Jana;\
            Petra;Markéta;Hana;Lenka;Zuzana;Ivana;Martina;Dagmar;Jaroslava;Vlasta;Božena;Alena;\
            Jitka;Miroslava;Radka;Šárka;Klára;Zdeňka;Ludmila;Marie;Věra",
        male: "Jakub;Jan;Tomáš;Adam;Matyáš;Vojtěch;Ondřej;Lukáš;Petr;Josef;Jiří;Pavel;Martin;\
            Jaroslav;Miroslav;Zdeněk;František;Václav;Karel;Milan;Luboš;Radek;Vlastimil;\
            Bohumil;Stanislav;Dušan;Michal;Marek;Štěpán;Vít;Roman;Ladislav;Přemysl",
        family: "Novák;Svoboda;Novotný;Dvořák;Černý;Procházka;Kučera;Veselý;Horák;\
            Němec~Němcová;Pokorný;Marek;Pospíšil;Hájek;Jelínek;Král;Růžička;Beneš;Fiala;\
            Sedláček;Doležal;Kolář;Čermák;Urban;Blažek;Kříž;Kovář;Kratochvíl;Bartoš;Vlček;Polák;\
            Musil;Kopecký;Šimek;Konečný;Malý;Holub;Štěpánek;Kadlec;Dostál;Soukup;Šťastný;Mareš;\
            Sýkora;Valenta;Vávra;Bláha;Říha;Ševčík;Bureš;Hruška;Janda;Varga;Tóth;Baláž;Kováč",
        feminine: "ý=á;ek=ková;a=ová;=ová",
        double_family: (0, ""),
        regions: "CZ;SK",
    },
    CultureData {
        key: "hungarian",
        weight: 2,
        female: "Hanna;Anna;Zoé;Léna;Luca;Emma;Boglárka;Zsófia;Réka;Eszter;Katalin;Erzsébet;\
            Ilona;Mária;Éva;Judit;Ágnes;Zsuzsanna;Krisztina;Andrea;Ildikó;Edit;Gabriella;\
            Szilvia;Tímea;Enikő;Piroska;Gyöngyi;Anikó;Orsolya;Dóra;Csilla",
        male: "Bence;Máté;Levente;Dominik;Ádám;Dávid;Balázs;Dániel;Gergő;Zoltán;László;István;\
            József;János;Sándor;Ferenc;Attila;Gábor;Tamás;Péter;Csaba;Lajos;Gyula;Imre;Miklós;\
            Zsolt;Tibor;Béla;Kristóf;Áron;Botond;Ödön;György",
        family: "Nagy;Kovács;Tóth;Szabó;Horváth;Varga;Kiss;Molnár;Németh;Farkas;Balogh;Papp;\
            Takács;Juhász;Lakatos;Mészáros;Oláh;Simon;Rácz;Fekete;Szilágyi;Török;Fehér;Balázs;\
            Gál;Szűcs;Kocsis;Pintér;Fodor;Szalai;Sipos;Magyar;Lukács;Gulyás;Biró;Király;Katona;\
            Jakab;Boros;Fazekas;Kelemen;Antal;Soós;Vincze;Hegedűs;Győri;Kőrösi",
        feminine: "",
        double_family: (0, ""),
        regions: "HU",
    },
    CultureData {
        key: "turkish",
        weight: 4,
        female: "Zeynep;Elif;Defne;Ecrin;Azra;Nehir;Asya;Ayşe;Fatma;Emine;Hatice;Zehra;Merve;\
            Büşra;Esra;Özlem;Gül;Gülşen;Şule;Derya;Ebru;Sevgi;Hülya;Dilek;Yasemin;Nur;İrem;Sıla;\
            Buse;Cansu;Tuğba;Şeyma",
        male: "Yusuf;Eymen;Ömer;Mustafa;Mehmet;Ahmet;Ali;Hüseyin;Hasan;İbrahim;İsmail;Osman;\
            Murat;Emre;Burak;Can;Cem;Kerem;Serkan;Oğuz;Uğur;Barış;Tolga;Selim;Kemal;Gökhan;\
            Çağlar;Onur;Halil;Tarık;Şükrü;Erdem",
        family: "Yılmaz;Kaya;Demir;Şahin;Çelik;Yıldız;Yıldırım;Öztürk;Aydın;Özdemir;Arslan;\
            Doğan;Kılıç;Aslan;Çetin;Kara;Koç;Kurt;Özkan;Şimşek;Polat;Özcan;Korkmaz;Çakır;Yavuz;\
            Can;Acar;Şen;Aktaş;Güler;Yalçın;Güneş;Bozkurt;Bulut;Keskin;Ünal;Turan;Özer;İnce;\
            Uçar;Tekin;Karaca;Türkmen;Işık;Akgün;Sarı",
        feminine: "",
        double_family: (0, ""),
        regions: "TR;DE",
    },
    CultureData {
        key: "greek",
        weight: 2,
        female: "Μαρία/Maria;Ελένη/Eleni;Αικατερίνη/Aikaterini;Βασιλική/Vasiliki;Σοφία/Sofia;\
            Αγγελική/Angeliki;Γεωργία/Georgia;Δήμητρα/Dimitra;Κωνσταντίνα/Konstantina;\
            Παρασκευή/Paraskevi;Χριστίνα/Christina;Ευαγγελία/Evangelia;Ιωάννα/Ioanna;\
            Αναστασία/Anastasia;Ευτυχία/Eftychia;Φωτεινή/Foteini;Ζωή/Zoi;Δέσποινα/Despoina;\
            Αθηνά/Athina;Νικολέτα/Nikoleta;Ειρήνη/Eirini;Σταυρούλα/Stavroula;\
            Χρυσούλα/Chrysoula;Θεοδώρα/Theodora;Αλεξάνδρα/Alexandra",
        male: "Γεώργιος/Georgios;Ιωάννης/Ioannis;Κωνσταντίνος/Konstantinos;\
            Δημήτριος/Dimitrios;Νικόλαος/Nikolaos;Παναγιώτης/Panagiotis;Βασίλειος/Vasileios;\
            Χρήστος/Christos;Αθανάσιος/Athanasios;Μιχαήλ/Michail;Ευάγγελος/Evangelos;\
            Σπυρίδων/Spyridon;Αντώνιος/Antonios;Αναστάσιος/Anastasios;Θεόδωρος/Theodoros;\
            Ανδρέας/Andreas;Χαράλαμπος/Charalampos;Αλέξανδρος/Alexandros;\
            Εμμανουήλ/Emmanouil;Ηλίας/Ilias;Σταύρος/Stavros;Πέτρος/Petros;\
            Στυλιανός/Stylianos;Θωμάς/Thomas;Λεωνίδας/Leonidas",
        family: "Παπαδόπουλος/Papadopoulos;Βλάχος/Vlachos;Αγγελόπουλος/Angelopoulos;\
            Νικολάου/Nikolaou;Γεωργίου/Georgiou;Πετρόπουλος/Petropoulos;Οικονόμου/Oikonomou;\
            Παπαδάκης/Papadakis;Μακρής/Makris;Ιωάννου/Ioannou;Δημητρίου/Dimitriou;\
            Κωνσταντίνου/Konstantinou;Παππάς/Pappas;Καραγιάννης/Karagiannis;Αλεξίου/Alexiou;\
            Μαυρίδης/Mavridis;Κυριακίδης/Kyriakidis;Λαμπράκης/Lamprakis;\
            Σταματόπουλος/Stamatopoulos;Αθανασίου/Athanasiou;Ζαχαρίου/Zachariou;\
            Χατζηδάκης/Chatzidakis;Τσολάκης/Tsolakis;Παπανικολάου/Papanikolaou;\
            Αντωνίου/Antoniou;Μιχαηλίδης/Michailidis;Σαββίδης/Savvidis;\
            Παναγιωτόπουλος/Panagiotopoulos;Χριστοδούλου/Christodoulou;\
            Θεοδωρίδης/Theodoridis;Ευαγγέλου/Evangelou;Κωστόπουλος/Kostopoulos;\
            Δημόπουλος/Dimopoulos;Μαργαρίτης/Margaritis;Ραφαηλίδης/Rafailidis;\
            Σπυρόπουλος/Spyropoulos;Πολυχρόνης/Polychronis;Γιαννακόπουλος/Giannakopoulos;\
            Τζαννετάκης/Tzannetakis;Φραγκιαδάκης/Frangiadakis;Λιάπης/Liapis;\
            Καλογεράκης/Kalogerakis;Μπακάλης/Bakalis",
        feminine: "όπουλος=οπούλου;ίδης=ίδου;ος=ου;ής=ή;ης=η;άς=ά;ας=α;\
            opoulos=opoulou;idis=idou;os=ou;is=i;as=a",
        double_family: (0, ""),
        regions: "GR;CY",
    },
    CultureData {
        key: "russian",
        weight: 4,
        female: "Анна/Anna;Мария/Maria;Елена/Elena;Ольга/Olga;Наталья/Natalya;Татьяна/Tatyana;\
            Ирина/Irina;Светлана/Svetlana;Екатерина/Ekaterina;Юлия/Yulia;Анастасия/Anastasia;\
            Дарья/Darya;Ксения/Ksenia;Виктория/Viktoria;Полина/Polina;Алёна/Alyona;\
            Людмила/Lyudmila;Галина/Galina;Валентина/Valentina;Нина/Nina;Вера/Vera;\
            Любовь/Lyubov;Софья/Sofya;Варвара/Varvara;Алиса/Alisa",
        male: "Александр/Aleksandr;Сергей/Sergei;Дмитрий/Dmitry;Андрей/Andrei;Алексей/Aleksei;\
            Максим/Maksim;Иван/Ivan;Михаил/Mikhail;Николай/Nikolai;Евгений/Evgeny;\
            Владимир/Vladimir;Павел/Pavel;Артём/Artyom;Роман/Roman;Игорь/Igor;Олег/Oleg;\
            Юрий/Yury;Виктор/Viktor;Денис/Denis;Константин/Konstantin;Григорий/Grigory;\
            Тимофей/Timofei;Илья/Ilya;Кирилл/Kirill;Фёдор/Fyodor",
        family: "Иванов/Ivanov;Смирнов/Smirnov;Кузнецов/Kuznetsov;Попов/Popov;\
            Васильев/Vasilyev;Петров/Petrov;Соколов/Sokolov;Михайлов/Mikhailov;\
            Новиков/Novikov;Фёдоров/Fyodorov;Морозов/Morozov;Волков/Volkov;Алексеев/Alekseev;\
            Лебедев/Lebedev;Семёнов/Semyonov;Егоров/Egorov;Павлов/Pavlov;Козлов/Kozlov;\
            Степанов/Stepanov;Николаев/Nikolaev;Орлов/Orlov;Андреев/Andreev;Макаров/Makarov;\
            Никитин/Nikitin;Захаров/Zakharov;Зайцев/Zaitsev;Соловьёв/Solovyov;\
            Борисов/Borisov;Яковлев/Yakovlev;Григорьев/Grigoryev;Воробьёв/Vorobyov;\
            Сергеев/Sergeev;Кузьмин/Kuzmin;Фролов/Frolov;Александров/Aleksandrov;\
            Дмитриев/Dmitriev;Королёв/Korolyov;Гусев/Gusev;Киселёв/Kiselyov;Ильин/Ilyin;\
            Максимов/Maksimov;Поляков/Polyakov;Сорокин/Sorokin;Виноградов/Vinogradov;\
            Ковалёв/Kovalyov;Белов/Belov;Антонов/Antonov;Тарасов/Tarasov;Баранов/Baranov;\
            Черных/Chernykh;Белых/Belykh;Покровский/Pokrovsky;\
            Преображенский/Preobrazhensky;Троицкий/Troitsky",
        feminine: "ский=ская;цкий=цкая;в=ва;ин=ина;ын=ына;sky=skaya;v=va;in=ina;yn=yna",
        double_family: (0, ""),
        regions: "RU;DE",
    },
    CultureData {
        key: "ukrainian",
        weight: 3,
        female: "Олена/Olena;Оксана/Oksana;Наталія/Nataliia;Ірина/Iryna;Тетяна/Tetiana;\
            Світлана/Svitlana;Юлія/Yuliia;Катерина/Kateryna;Галина/Halyna;Людмила/Liudmyla;\
            Марія/Mariia;Ганна/Hanna;Софія/Sofiia;Анастасія/Anastasiia;Вікторія/Viktoriia;\
            Дарина/Daryna;Зоряна/Zoriana;Соломія/Solomiia;Христина/Khrystyna;\
            Ярослава/Yaroslava;Богдана/Bohdana;Надія/Nadiia;Лариса/Larysa;Леся/Lesia;\
            Мирослава/Myroslava",
        male: "Олександр/Oleksandr;Андрій/Andrii;Сергій/Serhii;Володимир/Volodymyr;\
            Дмитро/Dmytro;Микола/Mykola;Іван/Ivan;Василь/Vasyl;Петро/Petro;Юрій/Yurii;\
            Олег/Oleh;Богдан/Bohdan;Тарас/Taras;Максим/Maksym;Віталій/Vitalii;\
            Ярослав/Yaroslav;Остап/Ostap;Михайло/Mykhailo;Роман/Roman;Степан/Stepan;Ігор/Ihor;\
            Євген/Yevhen;Артем/Artem;Назар/Nazar;Денис/Denys",
        family: "Шевченко/Shevchenko;Бондаренко/Bondarenko;Коваленко/Kovalenko;\
            Мельник/Melnyk;Бойко/Boiko;Ткаченко/Tkachenko;Кравчук/Kravchuk;Олійник/Oliinyk;\
            Лисенко/Lysenko;Руденко/Rudenko;Савченко/Savchenko;Петренко/Petrenko;\
            Марченко/Marchenko;Мороз/Moroz;Поліщук/Polishchuk;Ковальчук/Kovalchuk;\
            Романюк/Romaniuk;Гончаренко/Honcharenko;Кравченко/Kravchenko;Левченко/Levchenko;\
            Павленко/Pavlenko;Клименко/Klymenko;Литвиненко/Lytvynenko;Кузьменко/Kuzmenko;\
            Сидоренко/Sydorenko;Яковенко/Yakovenko;Костенко/Kostenko;Коваль/Koval;Мазур/Mazur;\
            Сорока/Soroka;Гуменюк/Humeniuk;Білик/Bilyk;Захарченко/Zakharchenko;\
            Василенко/Vasylenko;Дяченко/Diachenko;Приходько/Prykhodko;Лук’янчук/Lukianchuk;\
            Ковальський/Kovalskyi;Тимченко/Tymchenko;Іваненко/Ivanenko;Гриценко/Hrytsenko;\
            Федоренко/Fedorenko;Вовк/Vovk;Ярошенко/Yaroshenko",
        feminine: "ський=ська;цький=цька;skyi=ska",
        double_family: (0, ""),
        regions: "UA;PL",
    },
    CultureData {
        key: "arabic",
        weight: 5,
        female: "فاطمة/Fatima;مريم/Maryam;عائشة/Aisha;زينب/Zainab;نور/Nour;سارة/Sara;ليلى/Layla;\
            هدى/Huda;آمنة/Amina;خديجة/Khadija;رنا/Rana;ياسمين/Yasmin;سلمى/Salma;دينا/Dina;\
            رانيا/Rania;هبة/Heba;منى/Mona;نادية/Nadia;سميرة/Samira;لينا/Lina;جميلة/Jamila;\
            أسماء/Asmaa;إيمان/Iman;رحمة/Rahma;حنان/Hanan",
        male: "محمد/Mohammed;أحمد/Ahmed;علي/Ali;عمر/Omar;يوسف/Youssef;خالد/Khaled;حسن/Hassan;\
            حسين/Hussein;إبراهيم/Ibrahim;مصطفى/Mustafa;عبد الله/Abdullah;كريم/Karim;طارق/Tarek;\
            سامي/Sami;محمود/Mahmoud;ياسر/Yasser;ماجد/Majed;فارس/Fares;زياد/Ziad;نبيل/Nabil;\
            رامي/Rami;هشام/Hisham;بلال/Bilal;سعيد/Said;عادل/Adel",
        family: "الأحمد/Al-Ahmad;المصري/El-Masry;حداد/Haddad;خوري/Khoury;العلي/Al-Ali;\
            الحسن/Al-Hassan;منصور/Mansour;عثمان/Othman;سليمان/Suleiman;صالح/Saleh;\
            حمدان/Hamdan;النجار/Al-Najjar;الشامي/Al-Shami;عيسى/Issa;يوسف/Youssef;\
            عبد الرحمن/Abdelrahman;إبراهيم/Ibrahim;الزين/El-Zein;قاسم/Kassem;جابر/Jaber;\
            سعد/Saad;الخطيب/Al-Khatib;الحلبي/Al-Halabi;العمري/Al-Omari;التميمي/Al-Tamimi;\
            مراد/Mourad;رشيد/Rashid;نصار/Nassar;عوض/Awad;شاهين/Shaheen;فرج/Farag;\
            سلامة/Salama;حجازي/Hegazy;عطية/Attia;غانم/Ghanem;الطويل/El-Tawil;بدر/Badr;\
            الهاشمي/Al-Hashimi;الصباغ/Al-Sabbagh;العطار/Al-Attar;الفاسي/El-Fassi;\
            بناني/Bennani;التازي/Tazi;الإدريسي/El-Idrissi;بركات/Barakat;أبو زيد/Abu Zeid",
        feminine: "",
        double_family: (0, ""),
        regions: "EG;SA;AE;MA;JO;LB",
    },
    CultureData {
        key: "hebrew",
        weight: 2,
        female: "נועה/Noa;מאיה/Maya;תמר/Tamar;יעל/Yael;שירה/Shira;אביגיל/Avigail;אסתר/Esther;\
            רחל/Rachel;שרה/Sarah;לאה/Leah;מיכל/Michal;הדס/Hadas;ענבל/Inbal;רונית/Ronit;\
            אורית/Orit;דנה/Dana;טל/Tal;ליאת/Liat;חנה/Hannah;רות/Ruth;אילנה/Ilana;נטע/Neta;\
            הילה/Hila;אפרת/Efrat;מירב/Merav",
        male: "דוד/David;יוסף/Yosef;משה/Moshe;אברהם/Avraham;יצחק/Yitzhak;יעקב/Yaakov;\
            דניאל/Daniel;אריאל/Ariel;איתי/Itai;עומר/Omer;נועם/Noam;אורי/Uri;יונתן/Yonatan;\
            אליהו/Eliyahu;שמואל/Shmuel;חיים/Haim;מאיר/Meir;אבי/Avi;רון/Ron;גיל/Gil;עמית/Amit;\
            אייל/Eyal;יואב/Yoav;אלון/Alon;עידו/Ido",
        family: "כהן/Cohen;לוי/Levi;מזרחי/Mizrahi;פרץ/Peretz;ביטון/Biton;דהן/Dahan;\
            אברהם/Avraham;פרידמן/Friedman;אגבריה/Agbaria;אזולאי/Azoulay;מלכה/Malka;כץ/Katz;\
            יוסף/Yosef;דוד/David;עמר/Amar;אוחיון/Ohayon;חדד/Hadad;גבאי/Gabay;בן דוד/Ben David;\
            אדרי/Edri;לוין/Levin;טל/Tal;קליין/Klein;חן/Chen;שפירא/Shapira;גולן/Golan;\
            רוזנברג/Rosenberg;שלום/Shalom;ויס/Weiss;אשכנזי/Ashkenazi;שמעוני/Shimoni;ברק/Barak;\
            נחום/Nachum;בן חיים/Ben Haim;רבינוביץ/Rabinovich;אלמוג/Almog;וקנין/Vaknin;\
            סויסה/Suissa;חזן/Hazan;קורן/Koren;זילברמן/Zilberman;אלון/Alon;שושן/Shoshan;\
            ששון/Sasson;בן עמי/Ben Ami",
        feminine: "",
        double_family: (0, ""),
        regions: "IL",
    },
    CultureData {
        key: "hindi",
        weight: 4,
        female: "प्रिया/Priya;अंजलि/Anjali;पूजा/Pooja;नेहा/Neha;सुनीता/Sunita;अनीता/Anita;\
            कविता/Kavita;रेखा/Rekha;सीमा/Seema;गीता/Geeta;मीना/Meena;आरती/Aarti;श्वेता/Shweta;\
            सरिता/Sarita;ममता/Mamta;ज्योति/Jyoti;सविता/Savita;उषा/Usha;लक्ष्मी/Lakshmi;\
            राधा/Radha;स्नेहा/Sneha;नीलम/Neelam;शालिनी/Shalini;पल्लवी/Pallavi;ऋतु/Ritu;\
            अदिति/Aditi;दिव्या/Divya",
        male: "राहुल/Rahul;अमित/Amit;सुनील/Sunil;अनिल/Anil;राजेश/Rajesh;संजय/Sanjay;विजय/Vijay;\
            अजय/Ajay;राकेश/Rakesh;मनोज/Manoj;दीपक/Deepak;आकाश/Akash;विकास/Vikas;अर्जुन/Arjun;\
            आदित्य/Aditya;रवि/Ravi;सुरेश/Suresh;महेश/Mahesh;रमेश/Ramesh;गणेश/Ganesh;\
            प्रकाश/Prakash;अभिषेक/Abhishek;विशाल/Vishal;नितिन/Nitin;हर्ष/Harsh;कुणाल/Kunal;\
            अंकित/Ankit",
        family: "शर्मा/Sharma;वर्मा/Verma;गुप्ता/Gupta;सिंह/Singh;कुमार/Kumar;यादव/Yadav;\
            पटेल/Patel;मिश्रा/Mishra;पाण्डेय/Pandey;तिवारी/Tiwari;श्रीवास्तव/Srivastava;जैन/Jain;\
            अग्रवाल/Agarwal;चौहान/Chauhan;ठाकुर/Thakur;राठौर/Rathore;सक्सेना/Saxena;\
            मेहता/Mehta;जोशी/Joshi;दुबे/Dubey;त्रिपाठी/Tripathi;चतुर्वेदी/Chaturvedi;\
            द्विवेदी/Dwivedi;भट्ट/Bhatt;मल्होत्रा/Malhotra;खन्ना/Khanna;सेठी/Sethi;\
            अरोड़ा/Arora;भाटिया/Bhatia;गोयल/Goyal;बंसल/Bansal;मित्तल/Mittal;रस्तोगी/Rastogi;\
            पाठक/Pathak;शुक्ला/Shukla;उपाध्याय/Upadhyay;रावत/Rawat;नेगी/Negi;बिष्ट/Bisht;\
            सोलंकी/Solanki;परमार/Parmar;देसाई/Desai;कुलकर्णी/Kulkarni;पाटिल/Patil",
        feminine: "",
        double_family: (0, ""),
        regions: "IN;GB",
    },
    CultureData {
        key: "tamil",
        weight: 2,
        female: "பிரியா/Priya;லக்ஷ்மி/Lakshmi;மீனா/Meena;கவிதா/Kavitha;தீபா/Deepa;சித்ரா/Chitra;\
            வள்ளி/Valli;கலா/Kala;ராதிகா/Radhika;சங்கீதா/Sangeetha;பவித்ரா/Pavithra;\
            அனிதா/Anitha;ரேவதி/Revathi;கீர்த்தனா/Keerthana;நந்தினி/Nandhini;\
            தமிழ்செல்வி/Tamilselvi;மல்லிகா/Mallika;சரண்யா/Saranya;ஜெயந்தி/Jayanthi;உமா/Uma;\
            இந்து/Indhu;கயல்விழி/Kayalvizhi;யாழினி/Yazhini;ஆர்த்தி/Aarthi;வசந்தி/Vasanthi",
        male: "முருகன்/Murugan;கார்த்திக்/Karthik;அருண்/Arun;செந்தில்/Senthil;சுரேஷ்/Suresh;\
            ராஜா/Raja;விஜய்/Vijay;பிரகாஷ்/Prakash;கணேஷ்/Ganesh;வெங்கடேஷ்/Venkatesh;\
            ஆனந்த்/Anand;பாலாஜி/Balaji;சரவணன்/Saravanan;மணி/Mani;குமார்/Kumar;ரமேஷ்/Ramesh;\
            தினேஷ்/Dinesh;அஷ்வின்/Ashwin;கண்ணன்/Kannan;இளங்கோ/Elango;வேலு/Velu;சிவா/Siva;\
            பாண்டியன்/Pandiyan;கதிர்/Kathir;அறிவழகன்/Arivazhagan",
        family: "சுப்பிரமணியன்/Subramanian;கிருஷ்ணன்/Krishnan;ராமன்/Raman;பிள்ளை/Pillai;\
            ஐயர்/Iyer;நடராஜன்/Natarajan;ராஜேந்திரன்/Rajendran;வேலாயுதம்/Velayutham;\
            சுந்தரம்/Sundaram;பழனிசாமி/Palanisamy;ராமசாமி/Ramasamy;கந்தசாமி/Kandasamy;\
            முத்து/Muthu;அண்ணாமலை/Annamalai;சண்முகம்/Shanmugam;ஆறுமுகம்/Arumugam;\
            பாலசுப்பிரமணியன்/Balasubramanian;வெங்கட்ராமன்/Venkatraman;சீனிவாசன்/Srinivasan;\
            ராஜகோபால்/Rajagopal;கோபாலகிருஷ்ணன்/Gopalakrishnan;மாரியப்பன்/Mariappan;\
            செல்வராஜ்/Selvaraj;தங்கராஜ்/Thangaraj;பெருமாள்/Perumal;நாகராஜன்/Nagarajan;\
            ஜெயராமன்/Jayaraman;ராமலிங்கம்/Ramalingam;கணேசன்/Ganesan;மோகன்/Mohan;சேகர்/Sekar;\
            சந்திரசேகரன்/Chandrasekaran;துரைசாமி/Duraisamy;மூர்த்தி/Murthy;\
            பாலகிருஷ்ணன்/Balakrishnan;தியாகராஜன்/Thiyagarajan;அழகர்சாமி/Alagarsamy;\
            கருப்பையா/Karuppiah;லிங்கம்/Lingam;ராஜு/Raju;மணிவண்ணன்/Manivannan",
        feminine: "",
        double_family: (0, ""),
        regions: "IN;LK",
    },
    CultureData {
        key: "chinese",
        weight: 5,
        female: "秀英/Xiuying;桂英/Guiying;秀兰/Xiulan;玉兰/Yulan;丽娟/Lijuan;静/Jing;敏/Min;\
            燕/Yan;芳/Fang;娜/Na;丽/Li;婷/Ting;雪/Xue;欣怡/Xinyi;梓涵/Zihan;雨桐/Yutong;\
            诗涵/Shihan;思雨/Siyu;佳怡/Jiayi;晓燕/Xiaoyan;海燕/Haiyan;慧敏/Huimin;淑华/Shuhua;\
            美玲/Meiling;雅婷/Yating;可馨/Kexin",
        male: "伟/Wei;强/Qiang;磊/Lei;军/Jun;勇/Yong;杰/Jie;涛/Tao;斌/Bin;超/Chao;明/Ming;\
            刚/Gang;平/Ping;辉/Hui;鹏/Peng;浩然/Haoran;子轩/Zixuan;宇轩/Yuxuan;俊杰/Junjie;\
            建华/Jianhua;建国/Jianguo;志强/Zhiqiang;国强/Guoqiang;文博/Wenbo;家豪/Jiahao;\
            志明/Zhiming;晓东/Xiaodong",
        family: "王/Wang;李/Li;张/Zhang;刘/Liu;陈/Chen;杨/Yang;黄/Huang;赵/Zhao;吴/Wu;周/Zhou;\
            徐/Xu;孙/Sun;马/Ma;朱/Zhu;胡/Hu;郭/Guo;何/He;林/Lin;高/Gao;罗/Luo;郑/Zheng;\
            梁/Liang;谢/Xie;宋/Song;唐/Tang;许/Xu;韩/Han;冯/Feng;邓/Deng;曹/Cao;彭/Peng;\
            曾/Zeng;肖/Xiao;田/Tian;董/Dong;潘/Pan;袁/Yuan;蔡/Cai;蒋/Jiang;余/Yu;杜/Du;叶/Ye;\
            程/Cheng;魏/Wei;苏/Su;吕/Lü;欧阳/Ouyang;司马/Sima;陳/Chan;黃/Wong;張/Cheung;\
            劉/Lau",
        feminine: "",
        double_family: (0, ""),
        regions: "CN;TW;HK;SG",
    },
    CultureData {
        key: "japanese",
        weight: 3,
        female: "陽葵/Himari;結菜/Yuina;凛/Rin;芽依/Mei;さくら/Sakura;美咲/Misaki;陽菜/Hina;\
            葵/Aoi;結衣/Yui;愛/Ai;恵子/Keiko;幸子/Sachiko;洋子/Yōko;和子/Kazuko;久美子/Kumiko;\
            由美/Yumi;直美/Naomi;真由美/Mayumi;明美/Akemi;智子/Tomoko;裕子/Yūko;美穂/Miho;\
            千尋/Chihiro;あかり/Akari;ひなた/Hinata;ハナ/Hana;エミ/Emi;マリ/Mari;彩/Aya",
        male: "蓮/Ren;陽翔/Haruto;湊/Minato;大翔/Hiroto;悠真/Yūma;颯太/Sōta;翔太/Shōta;\
            拓海/Takumi;健太/Kenta;大輔/Daisuke;誠/Makoto;浩/Hiroshi;隆/Takashi;茂/Shigeru;\
            和夫/Kazuo;正/Tadashi;清/Kiyoshi;健一/Ken'ichi;俊介/Shunsuke;直樹/Naoki;\
            哲也/Tetsuya;亮/Ryō;翼/Tsubasa;悠人/Yūto;樹/Itsuki;ケン/Ken;リョウ/Ryō",
        family: "佐藤/Satō;鈴木/Suzuki;高橋/Takahashi;田中/Tanaka;伊藤/Itō;渡辺/Watanabe;\
            山本/Yamamoto;中村/Nakamura;小林/Kobayashi;加藤/Katō;吉田/Yoshida;山田/Yamada;\
            佐々木/Sasaki;山口/Yamaguchi;松本/Matsumoto;井上/Inoue;木村/Kimura;林/Hayashi;\
            斎藤/Saitō;清水/Shimizu;山崎/Yamazaki;森/Mori;池田/Ikeda;橋本/Hashimoto;阿部/Abe;\
            石川/Ishikawa;山下/Yamashita;中島/Nakajima;石井/Ishii;小川/Ogawa;前田/Maeda;\
            岡田/Okada;長谷川/Hasegawa;藤田/Fujita;後藤/Gotō;近藤/Kondō;村上/Murakami;\
            遠藤/Endō;青木/Aoki;坂本/Sakamoto;福田/Fukuda;太田/Ōta;西村/Nishimura;\
            藤井/Fujii;金子/Kaneko;岡本/Okamoto;藤原/Fujiwara;中野/Nakano;小野/Ono",
        feminine: "",
        double_family: (0, ""),
        regions: "JP",
    },
    CultureData {
        key: "korean",
        weight: 3,
        female: "서연/Seoyeon;민서/Minseo;지우/Jiwoo;서윤/Seoyun;하은/Haeun;지민/Jimin;\
            수빈/Subin;예은/Yeeun;지영/Jiyoung;수진/Sujin;은지/Eunji;혜진/Hyejin;미경/Mikyung;\
            영희/Younghee;순자/Soonja;정숙/Jeongsuk;미숙/Misook;경희/Kyunghee;은정/Eunjeong;\
            현주/Hyunjoo;소영/Soyoung;유진/Yujin;다은/Daeun;채원/Chaewon;하윤/Hayun",
        male: "민준/Minjun;서준/Seojun;도윤/Doyun;예준/Yejun;시우/Siwoo;하준/Hajun;지호/Jiho;\
            준서/Junseo;현우/Hyunwoo;지훈/Jihoon;성민/Sungmin;동현/Donghyun;영수/Youngsoo;\
            영호/Youngho;정호/Jeongho;상철/Sangcheol;성호/Sungho;재현/Jaehyun;민수/Minsu;\
            승현/Seunghyun;준호/Junho;우진/Woojin;건우/Gunwoo;진우/Jinwoo;경수/Kyungsoo",
        family: "김/Kim;이/Lee;박/Park;최/Choi;정/Jung;강/Kang;조/Cho;윤/Yoon;장/Jang;임/Lim;\
            한/Han;오/Oh;서/Seo;신/Shin;권/Kwon;황/Hwang;안/Ahn;송/Song;류/Ryu;전/Jeon;홍/Hong;\
            고/Ko;문/Moon;양/Yang;손/Son;배/Bae;백/Baek;허/Heo;유/Yoo;남/Nam;심/Shim;노/Noh;\
            하/Ha;곽/Kwak;성/Sung;차/Cha;주/Joo;우/Woo;구/Koo;민/Min;진/Jin;나/Na;지/Ji;엄/Eom;\
            채/Chae;원/Won;천/Cheon;방/Bang;남궁/Namgung;제갈/Jegal;선우/Sunwoo;황보/Hwangbo",
        feminine: "",
        double_family: (0, ""),
        regions: "KR",
    },
    CultureData {
        key: "vietnamese",
        weight: 3,
        female: "Thị Lan;Thị Hương;Thị Hoa;Thị Mai;Thị Thu;Thị Hằng;Thị Nga;Thị Hạnh;Thị Thảo;\
            Thị Yến;Ngọc Anh;Ngọc Trâm;Thu Trang;Thu Hà;Phương Linh;Minh Châu;Khánh Linh;\
            Bảo Ngọc;Thanh Hương;Hồng Nhung;Diệu Linh;Mỹ Duyên;Quỳnh Anh;Tuyết Mai;Kim Chi;\
            Như Ý",
        male: "Văn Hùng;Văn Nam;Văn Dũng;Văn Tuấn;Văn Thắng;Văn Đức;Văn Hải;Văn Long;Minh Tuấn;\
            Minh Khôi;Minh Quân;Đức Anh;Quốc Bảo;Quang Huy;Hoàng Long;Gia Huy;Thành Đạt;\
            Trọng Nghĩa;Anh Khoa;Hữu Phước;Xuân Bách;Tiến Đạt;Bảo Long;Đình Phúc;Nhật Minh",
        family: "Nguyễn;Trần;Lê;Phạm;Hoàng;Huỳnh;Phan;Vũ;Võ;Đặng;Bùi;Đỗ;Hồ;Ngô;Dương;Lý;Đinh;\
            Đào;Trương;Lâm;Mai;Trịnh;Cao;Lưu;Tô;Tạ;Hà;Quách;Lương;Thái;Châu;Kiều;Từ;Văn;Khúc;\
            Chu;Diệp;Triệu;Thân;Tăng;Phùng;La;Âu;Ông;Doãn;Giang",
        feminine: "",
        double_family: (0, ""),
        regions: "VN",
    },
    CultureData {
        key: "thai",
        weight: 2,
        female: "สมศรี/Somsri;มาลี/Mali;สุภาพร/Supaporn;วันเพ็ญ/Wanpen;นภา/Napha;\
            พรทิพย์/Porntip;อรุณี/Arunee;กัลยา/Kanlaya;ปราณี/Pranee;จันทร์เพ็ญ/Chanpen;\
            รัตนา/Rattana;สุดารัตน์/Sudarat;ศิริพร/Siriporn;นิภา/Nipha;ดวงใจ/Duangjai;\
            อัมพร/Amporn;สมใจ/Somjai;วิไล/Wilai;ปิยะนุช/Piyanuch;ชนิดา/Chanida;\
            ณัฐธิดา/Natthida;กมลวรรณ/Kamonwan;พิมพ์ชนก/Pimchanok",
        male: "สมชาย/Somchai;สมศักดิ์/Somsak;ประเสริฐ/Prasert;วิชัย/Wichai;สุชาติ/Suchat;\
            ธนากร/Thanakorn;ณัฐพล/Nattapon;อนุชา/Anucha;กิตติ/Kitti;ชัยวัฒน์/Chaiwat;\
            สุรชัย/Surachai;บุญชัย/Boonchai;เอกชัย/Ekachai;ธีรพงษ์/Theerapong;วีระ/Weera;\
            พงศกร/Pongsakorn;อภิชาติ/Apichat;ศักดิ์ชัย/Sakchai;มานพ/Manop;สมพงษ์/Sompong;\
            ชาญวิทย์/Chanwit;ปกรณ์/Pakorn;ธนวัฒน์/Thanawat",
        family: "ศรีสุข/Srisuk;แก้วมณี/Kaewmanee;สุขสวัสดิ์/Suksawat;บุญมา/Boonma;ทองดี/Thongdee;\
            จันทร์แก้ว/Chankaew;ใจดี/Jaidee;พรหมมา/Phromma;ศรีวงศ์/Sriwong;แสงทอง/Saengthong;\
            สายสุวรรณ/Saisuwan;ทองคำ/Thongkham;มีสุข/Meesuk;ปัญญาดี/Panyadee;อินทร์แก้ว/Inkaew;\
            สมบูรณ์/Somboon;เพชรรัตน์/Phetrat;บุญเรือง/Boonruang;ชัยมงคล/Chaimongkol;\
            ศรีสวัสดิ์/Srisawat;กิตติวงศ์/Kittiwong;นาคประเสริฐ/Nakprasert;\
            สุวรรณรัตน์/Suwannarat;ประเสริฐสุข/Prasertsuk;ทองมา/Thongma;วงศ์ใหญ่/Wongyai;\
            แก้วประเสริฐ/Kaewprasert;จันทร์หอม/Chanhom;ศรีทอง/Srithong;พูลสวัสดิ์/Poonsawat;\
            บุญประเสริฐ/Boonprasert;มณีวงศ์/Maneewong;สุขประเสริฐ/Sukprasert;\
            คงเจริญ/Khongcharoen;เจริญสุข/Charoensuk;รุ่งเรือง/Rungruang;ทองสุข/Thongsuk;\
            ศรีประเสริฐ/Sriprasert;รัตนพันธ์/Rattanaphan;บุญยืน/Boonyuen",
        feminine: "",
        double_family: (0, ""),
        regions: "TH",
    },
    CultureData {
        key: "yoruba",
        weight: 3,
        female: "Adéọlá;Fọláṣadé;Títílayọ̀;Ọlájùmọ̀kẹ́;Àdùnní;Mọ́nísọ́lá;Yéwándé;Bọ́lánlé;Ìyábọ̀;\
            Fúnmiláyọ̀;Tèmítọ́pẹ́;Ayọ̀ká;Adérónkẹ́;Oyinkansola;Temidayo;Omolara;Abimbola;Folasade;\
            Modupe;Toyin;Bukola;Kemi;Ronke;Tolulope;Damilola;Kẹ́hìndé",
        male: "Adébáyọ̀;Olúwaṣẹ̀gun;Ọláolúwa;Bàbátúndé;Ọládipọ̀;Akínwùmí;Àyìndé;Kúnlé;Túndé;\
            Fẹ́mi;Ṣeun;Dayo;Gbenga;Kayode;Olumide;Adewale;Oluwatobi;Ayodele;Babajide;Segun;Jide;\
            Tope;Wale;Niyi;Lanre;Dapo",
        family: "Adéyẹmí;Ògúnlèye;Ọládélé;Àjàyí;Ọlátúnjí;Adébáyọ̀;Akínlàdé;Ọmọ́túndé;Bánkọ́lé;\
            Adéwálé;Afọlábí;Ògúndèjì;Oyelaran;Oluwole;Adekunle;Ojo;Alabi;Akinola;Balogun;\
            Oyewole;Adeleke;Olaniyan;Ogunbiyi;Adeniyi;Akande;Oladipo;Eniola;Fadeyi;Adegoke;\
            Olanrewaju;Ige;Ogunsanya;Aderemi;Oyebanji;Fagbemi;Akinyemi;Adeoye;Ogunwale;Ojelabi;\
            Odukoya;Salami;Lawal;Bello;Ishola",
        feminine: "",
        double_family: (0, ""),
        regions: "NG;GB",
    },
    CultureData {
        key: "swahili",
        weight: 2,
        female: "Amani;Zawadi;Neema;Rehema;Imani;Upendo;Furaha;Subira;Tumaini;Halima;Mwanaisha;\
            Asha;Zuhura;Mwajuma;Wanjiru;Wambui;Njeri;Nyambura;Akinyi;Atieno;Achieng;Awino;\
            Chebet;Jepkosgei;Wairimu;Mumbua;Nafula;Makena;Kerubo;Wanjikũ;Mũthoni",
        male: "Juma;Baraka;Jabari;Hamisi;Bakari;Athumani;Rashidi;Mussa;Salim;Omari;Kamau;\
            Njoroge;Mwangi;Kariuki;Otieno;Odhiambo;Ochieng;Owino;Kiprono;Kiptoo;Wafula;Mutua;\
            Musyoka;Kimani;Onyango;Barasa;Kibet;Mwita",
        family: "Mwangi;Kamau;Otieno;Ochieng;Njoroge;Odhiambo;Kariuki;Kimani;Omondi;Onyango;\
            Mutua;Wafula;Kiptoo;Kibet;Chebet;Cheruiyot;Koech;Kiprotich;Rotich;Langat;Mutiso;\
            Musyoka;Wambua;Nyaga;Githinji;Macharia;Ndungu;Gitau;Kinyua;Mbugua;Njuguna;Waweru;\
            Kilonzo;Mwakyusa;Mushi;Massawe;Mollel;Lyimo;Kimaro;Mrema;Shirima;Swai;Mfinanga;\
            Mũgo;Gĩthĩnji",
        feminine: "",
        double_family: (0, ""),
        regions: "KE;TZ",
    },
];

pub(super) const ARABIC_STREETS: &str =
    "شارع النخيل;شارع الزيتون;شارع الورد;شارع السلام;شارع البحر;\
    شارع الجامعة;شارع المدينة;شارع الياسمين;شارع الاستقلال;شارع السوق";

pub(super) const REGIONS: &[RegionData] = &[
    RegionData {
        key: "DE",
        calling_code: "49",
        prefixes: "151;152;157;159;160;162;163;170;171;172;173;174;175;176;177;178;179",
        national_len: 11,
        postcode: "#####",
        layout: "{s} {n}, {p} {c}",
        cities: "Berlin;Hamburg;München;Köln;Frankfurt am Main;Stuttgart;Düsseldorf;Leipzig;\
            Dortmund;Essen;Bremen;Dresden;Hannover;Nürnberg;Würzburg;Lübeck;Göttingen;\
            Freiburg im Breisgau",
        streets: "Lindenstraße;Hauptstraße;Bahnhofstraße;Gartenweg;Am Mühlbach;Birkenallee;\
            Schulstraße;Rosenweg;Kirchgasse;Ahornweg;Waldstraße;Am Sonnenhang;Talstraße;\
            Wiesengrund;Buchenring;Marktplatz;Fliederweg;Brückenstraße",
    },
    RegionData {
        key: "AT",
        calling_code: "43",
        prefixes: "650;660;664;676;677;680;681;688;699",
        national_len: 10,
        postcode: "####",
        layout: "{s} {n}, {p} {c}",
        cities: "Wien;Graz;Linz;Salzburg;Innsbruck;Klagenfurt am Wörthersee;Villach;Wels;\
            St. Pölten;Dornbirn",
        streets: "Hauptplatz;Bahnhofstraße;Kirchengasse;Lindengasse;Feldgasse;Mühlweg;Am Anger;\
            Brunnengasse;Sonnenweg;Rosengasse;Waldgasse;Bergstraße;Wiesenweg",
    },
    RegionData {
        key: "CH",
        calling_code: "41",
        prefixes: "75;76;77;78;79",
        national_len: 9,
        postcode: "####",
        layout: "{s} {n}, {p} {c}",
        cities: "Zürich;Genève;Basel;Lausanne;Bern;Winterthur;Luzern;St. Gallen;Lugano;\
            Biel/Bienne;Neuchâtel;Fribourg",
        streets: "Bahnhofstrasse;Seestrasse;Dorfstrasse;Kirchweg;Rue du Lac;Chemin des Vignes;\
            Rue de la Gare;Via Cantonale;Via dei Fiori;Rosenweg;Bergstrasse;Avenue de la Paix",
    },
    RegionData {
        key: "GB",
        calling_code: "44",
        prefixes: "71;73;74;75;77;78;79",
        national_len: 10,
        postcode: "@@# #@@",
        layout: "{n} {s}, {c} {p}",
        cities: "London;Manchester;Birmingham;Leeds;Glasgow;Liverpool;Bristol;Sheffield;\
            Edinburgh;Cardiff;Leicester;Nottingham;Newcastle upon Tyne;Brighton;Belfast;\
            Aberdeen;Swansea;Norwich",
        streets: "High Street;Station Road;Church Lane;Mill Lane;Park Avenue;Green Lane;\
            Manor Road;Orchard Close;Chapel Street;Meadow Way;The Crescent;Oak Drive;\
            Willow Grove;Kingsway;Springfield Road;Rose Terrace;Holly Bank",
    },
    RegionData {
        key: "IE",
        calling_code: "353",
        prefixes: "83;85;86;87;89",
        national_len: 9,
        postcode: "@## @#@#",
        layout: "{n} {s}, {c}, {p}",
        cities: "Dublin;Cork;Galway;Limerick;Waterford;Kilkenny;Sligo;Drogheda;Dundalk;Athlone",
        streets: "Main Street;Church Road;Bóthar na Trá;Sráid an Mhuilinn;Strand Road;\
            Castle Street;Abbey Lane;Seaview Terrace;Oakfield Park;Greenhills Road",
    },
    RegionData {
        key: "US",
        calling_code: "1",
        prefixes: "201;206;212;213;267;303;305;312;404;412;415;503;512;602;612;617;702;713;\
            720;802;907;919",
        national_len: 10,
        postcode: "#####",
        layout: "{n} {s}, {c} {p}",
        cities: "Springfield, IL;Portland, OR;Austin, TX;Columbus, OH;Madison, WI;Albany, NY;\
            Boise, ID;Raleigh, NC;Tucson, AZ;Burlington, VT;Fresno, CA;Savannah, GA;\
            Anchorage, AK;Honolulu, HI",
        streets: "Maple Street;Oak Avenue;Pine Road;Cedar Lane;Elm Street;Main Street;\
            Park Avenue;Lakeview Drive;Hillcrest Road;River Road;Willow Way;Birch Court;\
            Meadowbrook Lane;Chestnut Street;Spring Street",
    },
    RegionData {
        key: "AU",
        calling_code: "61",
        prefixes: "4",
        national_len: 9,
        postcode: "####",
        layout: "{n} {s}, {c} {p}",
        cities: "Sydney NSW;Melbourne VIC;Brisbane QLD;Perth WA;Adelaide SA;Hobart TAS;\
            Darwin NT;Canberra ACT;Geelong VIC;Newcastle NSW",
        streets: "Beach Road;Railway Parade;Wattle Street;Gum Tree Lane;Ocean Drive;\
            Banksia Crescent;Jacaranda Avenue;Bridge Road;Hill Street;Bay View Terrace",
    },
    RegionData {
        key: "FR",
        calling_code: "33",
        prefixes: "6;7",
        national_len: 9,
        postcode: "#####",
        layout: "{n} {s}, {p} {c}",
        cities: "Paris;Marseille;Lyon;Toulouse;Nice;Nantes;Strasbourg;Montpellier;Bordeaux;\
            Lille;Rennes;Reims;Le Havre;Saint-Étienne;Toulon;Grenoble;Dijon;Angers;Nîmes;\
            Aix-en-Provence",
        streets: "rue des Lilas;avenue de la République;rue de la Paix;rue du Moulin;\
            chemin des Vignes;place de l'Église;rue des Écoles;allée des Tilleuls;\
            impasse des Roses;rue du Château;quai de la Loire;rue de la Fontaine;\
            avenue des Peupliers",
    },
    RegionData {
        key: "BE",
        calling_code: "32",
        prefixes: "460;470;471;472;473;474;475;476;477;478;479;483;484;485;486;487;488;489;\
            490;491;492;493;494;495;496;497;498;499",
        national_len: 9,
        postcode: "####",
        layout: "{s} {n}, {p} {c}",
        cities: "Bruxelles;Antwerpen;Gent;Liège;Brugge;Namur;Leuven;Mons;Charleroi;Hasselt;\
            Mechelen",
        streets: "Kerkstraat;Stationsstraat;Rue de la Station;Dorpsstraat;Rue du Marché;\
            Molenstraat;Avenue des Acacias;Nieuwstraat;Rue Haute;Schoolstraat",
    },
    RegionData {
        key: "ES",
        calling_code: "34",
        prefixes: "6;7",
        national_len: 9,
        postcode: "#####",
        layout: "{s} {n}, {p} {c}",
        cities: "Madrid;Barcelona;Valencia;Sevilla;Zaragoza;Málaga;Murcia;Palma;\
            Las Palmas de Gran Canaria;Bilbao;Alicante;Córdoba;Valladolid;Vigo;Gijón;A Coruña;\
            Granada;Donostia-San Sebastián",
        streets: "Calle Mayor;Calle del Sol;Avenida de la Constitución;Calle Real;\
            Plaza de España;Calle de la Iglesia;Calle Nueva;Carrer de la Pau;Camino Viejo;\
            Calle de los Olivos;Avenida del Mar;Calle Ancha;Carrer Major",
    },
    RegionData {
        key: "MX",
        calling_code: "52",
        prefixes: "55;81;33;222;442;664;999;477",
        national_len: 10,
        postcode: "#####",
        layout: "{s} {n}, {p} {c}",
        cities: "Ciudad de México;Guadalajara;Monterrey;Puebla;Querétaro;Tijuana;Mérida;León;\
            Oaxaca;Morelia",
        streets: "Calle 5 de Mayo;Avenida Reforma;Calle de los Pinos;Avenida Insurgentes;\
            Calle Independencia;Callejón del Sol;Avenida Universidad;Calle Niños Héroes",
    },
    RegionData {
        key: "AR",
        calling_code: "54",
        prefixes: "911;9221;9341;9351;9261",
        national_len: 11,
        postcode: "####",
        layout: "{s} {n}, {p} {c}",
        cities: "Buenos Aires;Córdoba;Rosario;Mendoza;La Plata;Mar del Plata;Salta;\
            San Miguel de Tucumán",
        streets: "Calle Florida;Avenida Corrientes;Calle Defensa;Avenida de Mayo;\
            Pasaje del Carmen;Calle Tucumán;Avenida Santa Fe;Calle Los Aromos",
    },
    RegionData {
        key: "CO",
        calling_code: "57",
        prefixes: "300;301;304;310;311;312;313;315;316;317;318;320;321",
        national_len: 10,
        postcode: "######",
        layout: "{s} # {n}-{m}, {c} {p}",
        cities: "Bogotá;Medellín;Cali;Barranquilla;Cartagena;Bucaramanga;Pereira;Manizales",
        streets: "Calle 45;Carrera 7;Avenida 68;Calle 100;Carrera 15;Transversal 23;\
            Diagonal 40;Calle 10 Sur",
    },
    RegionData {
        key: "PT",
        calling_code: "351",
        prefixes: "91;92;93;96",
        national_len: 9,
        postcode: "####-###",
        layout: "{s} {n}, {p} {c}",
        cities: "Lisboa;Porto;Braga;Coimbra;Funchal;Setúbal;Aveiro;Faro;Viseu;Évora;\
            Guimarães;Ponta Delgada",
        streets: "Rua das Flores;Avenida da Liberdade;Rua Direita;Travessa do Carmo;\
            Largo da Igreja;Rua do Comércio;Rua da Boavista;Calçada do Castelo;Rua Nova;\
            Praça da República",
    },
    RegionData {
        key: "BR",
        calling_code: "55",
        prefixes: "119;219;319;419;519;619;719;819;859;919",
        national_len: 11,
        postcode: "#####-###",
        layout: "{s}, {n}, {c}, {p}",
        cities: "São Paulo - SP;Rio de Janeiro - RJ;Belo Horizonte - MG;Curitiba - PR;\
            Porto Alegre - RS;Brasília - DF;Salvador - BA;Recife - PE;Fortaleza - CE;\
            Belém - PA;Manaus - AM;Florianópolis - SC",
        streets: "Rua das Laranjeiras;Avenida Paulista;Rua Augusta;Rua da Consolação;\
            Avenida Atlântica;Rua dos Ipês;Travessa São José;Rua Sete de Setembro;\
            Avenida Brasil;Rua das Palmeiras",
    },
    RegionData {
        key: "IT",
        calling_code: "39",
        prefixes: "320;324;327;328;329;330;333;334;338;339;340;342;345;347;348;349;351;366;\
            371;380;388;389;392;393",
        national_len: 10,
        postcode: "#####",
        layout: "{s} {n}, {p} {c}",
        cities: "Roma;Milano;Napoli;Torino;Palermo;Genova;Bologna;Firenze;Bari;Catania;Venezia;\
            Verona;Trieste;Cagliari;Perugia;Lecce;Bolzano",
        streets: "Via Roma;Corso Italia;Via dei Mille;Piazza del Duomo;Via della Repubblica;\
            Via Nazionale;Viale dei Pini;Vicolo Stretto;Via San Giovanni;Via dell'Orto;\
            Via delle Rose;Lungomare Nord",
    },
    RegionData {
        key: "NL",
        calling_code: "31",
        prefixes: "6",
        national_len: 9,
        postcode: "#### @@",
        layout: "{s} {n}, {p} {c}",
        cities: "Amsterdam;Rotterdam;Den Haag;Utrecht;Eindhoven;Groningen;Tilburg;Almere;Breda;\
            Nijmegen;'s-Hertogenbosch;Leeuwarden;Zwolle;Maastricht",
        streets: "Dorpsstraat;Kerkstraat;Molenweg;Prinsengracht;Stationsweg;Beukenlaan;\
            Schoolstraat;Nieuwe Gracht;Lindelaan;Havenstraat;Zuiderdiep;Achter de Kerk",
    },
    RegionData {
        key: "PL",
        calling_code: "48",
        prefixes: "50;51;53;57;60;66;69;72;73;78;79;88",
        national_len: 9,
        postcode: "##-###",
        layout: "{s} {n}, {p} {c}",
        cities: "Warszawa;Kraków;Łódź;Wrocław;Poznań;Gdańsk;Szczecin;Bydgoszcz;Lublin;\
            Białystok;Katowice;Gdynia;Częstochowa;Rzeszów;Toruń;Zielona Góra",
        streets: "ul. Kwiatowa;ul. Lipowa;ul. Polna;ul. Leśna;ul. Słoneczna;ul. Krótka;\
            ul. Szkolna;ul. Ogrodowa;ul. Łąkowa;ul. Brzozowa;ul. Źródlana;al. Jerozolimskie;\
            ul. Długa;ul. Wiśniowa",
    },
    RegionData {
        key: "CZ",
        calling_code: "420",
        prefixes: "601;602;603;604;605;606;607;608;702;720;721;722;723;724;725;730;731;732;\
            733;734;736;737;739;770;771;773;774;775;776;777",
        national_len: 9,
        postcode: "### ##",
        layout: "{s} {n}, {p} {c}",
        cities: "Praha;Brno;Ostrava;Plzeň;Liberec;Olomouc;České Budějovice;Hradec Králové;\
            Ústí nad Labem;Pardubice;Zlín;Jihlava",
        streets: "Nádražní;Školní;Zahradní;Lipová;Na Příkopě;Krátká;Polní;Lesní;Pod Kaštany;\
            Sokolská;U Potoka;Dlouhá;Květinová",
    },
    RegionData {
        key: "SK",
        calling_code: "421",
        prefixes: "901;902;903;904;905;906;907;908;910;911;914;915;916;917;918;940;944;948;\
            949",
        national_len: 9,
        postcode: "### ##",
        layout: "{s} {n}, {p} {c}",
        cities: "Bratislava;Košice;Prešov;Žilina;Nitra;Banská Bystrica;Trnava;Trenčín;Martin;\
            Poprad",
        streets: "Hlavná;Školská;Záhradná;Nová;Mlynská;Lipová;Krátka;Poľná;Dlhá;Pod Hájom",
    },
    RegionData {
        key: "HU",
        calling_code: "36",
        prefixes: "20;30;31;50;70",
        national_len: 9,
        postcode: "####",
        layout: "{p} {c}, {s} {n}.",
        cities: "Budapest;Debrecen;Szeged;Miskolc;Pécs;Győr;Nyíregyháza;Kecskemét;\
            Székesfehérvár;Szombathely;Eger;Sopron",
        streets: "Fő utca;Szabadság tér;Béke utca;Kert utca;Rózsa utca;Virág utca;Iskola utca;\
            Templom tér;Hársfa utca;Ősz utca;Tavasz utca;Erdő sor;Malom köz;Nyár utca",
    },
    RegionData {
        key: "SE",
        calling_code: "46",
        prefixes: "70;72;73;76;79",
        national_len: 9,
        postcode: "### ##",
        layout: "{s} {n}, {p} {c}",
        cities: "Stockholm;Göteborg;Malmö;Uppsala;Västerås;Örebro;Linköping;Helsingborg;\
            Jönköping;Norrköping;Lund;Umeå;Gävle;Borås",
        streets: "Storgatan;Kyrkogatan;Drottninggatan;Skolgatan;Björkvägen;Ringvägen;\
            Södra Vägen;Ängsvägen;Sjöstigen;Åsgatan;Östra Långgatan;Tallvägen",
    },
    RegionData {
        key: "NO",
        calling_code: "47",
        prefixes: "4;9",
        national_len: 8,
        postcode: "####",
        layout: "{s} {n}, {p} {c}",
        cities: "Oslo;Bergen;Trondheim;Stavanger;Drammen;Kristiansand;Tromsø;Fredrikstad;\
            Sandnes;Ålesund;Bodø;Tønsberg",
        streets: "Storgata;Kirkeveien;Skoleveien;Bjørkeveien;Fjordgata;Sjøgata;Granveien;\
            Furuveien;Åsveien;Strandgata;Løkkeveien;Bakkegata",
    },
    RegionData {
        key: "DK",
        calling_code: "45",
        prefixes: "20;21;22;23;24;25;26;27;28;29;30;31;40;41;42;50;51;52;53;60;61;71;81;91;\
            93",
        national_len: 8,
        postcode: "####",
        layout: "{s} {n}, {p} {c}",
        cities: "København;Aarhus;Odense;Aalborg;Esbjerg;Randers;Kolding;Horsens;Vejle;\
            Roskilde;Herning;Næstved",
        streets: "Østergade;Vestergade;Nørregade;Søndergade;Kirkevej;Skovvej;Møllevej;\
            Strandvejen;Bøgevej;Engvej;Havnegade;Ågade",
    },
    RegionData {
        key: "IS",
        calling_code: "354",
        prefixes: "6;7;8",
        national_len: 7,
        postcode: "###",
        layout: "{s} {n}, {p} {c}",
        cities: "Reykjavík;Kópavogur;Hafnarfjörður;Akureyri;Reykjanesbær;Garðabær;\
            Mosfellsbær;Selfoss;Ísafjörður;Egilsstaðir",
        streets: "Laugavegur;Hverfisgata;Bankastræti;Skólavörðustígur;Aðalstræti;\
            Hafnarstræti;Túngata;Vesturgata;Suðurgata;Háaleitisbraut",
    },
    RegionData {
        key: "FI",
        calling_code: "358",
        prefixes: "40;41;44;45;46;50",
        national_len: 9,
        postcode: "#####",
        layout: "{s} {n}, {p} {c}",
        cities: "Helsinki;Espoo;Tampere;Vantaa;Oulu;Turku;Jyväskylä;Lahti;Kuopio;Pori;Joensuu;\
            Lappeenranta;Hämeenlinna;Vaasa;Rovaniemi;Seinäjoki",
        streets: "Koulukatu;Kirkkokatu;Rantatie;Kuusitie;Koivukuja;Mäntytie;Puistokatu;\
            Satamakatu;Järvenrannantie;Pajatie;Myllytie;Kauppakatu;Hämeenkatu",
    },
    RegionData {
        key: "TR",
        calling_code: "90",
        prefixes: "501;505;506;507;530;531;532;533;535;536;537;538;539;541;542;543;544;545;\
            546;549;551;552;553;554;555",
        national_len: 10,
        postcode: "#####",
        layout: "{s} No: {n}, {p} {c}",
        cities: "İstanbul;Ankara;İzmir;Bursa;Antalya;Konya;Gaziantep;Kayseri;Eskişehir;\
            Diyarbakır;Samsun;Trabzon;Şanlıurfa;Muğla",
        streets: "Çiçek Sokak;Lale Sokak;Gül Sokak;Cumhuriyet Caddesi;İstiklal Caddesi;\
            Okul Sokak;Bahçe Sokak;Deniz Caddesi;Çınar Sokak;Menekşe Sokak;Papatya Sokak;\
            Pınar Sokak",
    },
    RegionData {
        key: "GR",
        calling_code: "30",
        prefixes: "690;693;694;695;697;698;699",
        national_len: 10,
        postcode: "### ##",
        layout: "{s} {n}, {p} {c}",
        cities: "Αθήνα;Θεσσαλονίκη;Πάτρα;Ηράκλειο;Λάρισα;Βόλος;Ιωάννινα;Χανιά;Καλαμάτα;Ρόδος;\
            Κέρκυρα;Καβάλα",
        streets: "Ερμού;Αιόλου;Ακαδημίας;Πανεπιστημίου;Σταδίου;Αγίου Νικολάου;\
            Λεωφόρος Κηφισίας;Ηρώων Πολυτεχνείου;Ελευθερίας;Ειρήνης;Μεσογείων;Αγίας Σοφίας",
    },
    RegionData {
        key: "CY",
        calling_code: "357",
        prefixes: "95;96;97;99",
        national_len: 8,
        postcode: "####",
        layout: "{s} {n}, {p} {c}",
        cities: "Λευκωσία;Λεμεσός;Λάρνακα;Πάφος;Παραλίμνι;Αγία Νάπα",
        streets: "Ελευθερίας;Ειρήνης;Ανεξαρτησίας;Αγίου Αντωνίου;Λεωφόρος Λεμεσού;Αθηνών;\
            Ολύμπου;Κυρηνείας",
    },
    RegionData {
        key: "RU",
        calling_code: "7",
        prefixes: "903;905;906;909;910;912;915;916;917;919;920;921;925;926;929;950;960;961;\
            977;985;999",
        national_len: 10,
        postcode: "######",
        layout: "{s}, д. {n}, {c}, {p}",
        cities: "Москва;Санкт-Петербург;Новосибирск;Екатеринбург;Казань;Нижний Новгород;\
            Самара;Омск;Ростов-на-Дону;Уфа;Красноярск;Воронеж;Пермь;Волгоград;Калининград;\
            Владивосток",
        streets: "ул. Садовая;ул. Лесная;ул. Центральная;ул. Школьная;ул. Молодёжная;\
            ул. Новая;ул. Полевая;ул. Набережная;ул. Зелёная;пр. Мира;ул. Советская;\
            ул. Солнечная;пер. Тихий;ул. Речная",
    },
    RegionData {
        key: "UA",
        calling_code: "380",
        prefixes: "50;63;66;67;68;73;93;95;96;97;98;99",
        national_len: 9,
        postcode: "#####",
        layout: "{s}, {n}, {c}, {p}",
        cities: "Київ;Харків;Одеса;Дніпро;Львів;Запоріжжя;Вінниця;Полтава;Чернігів;Житомир;\
            Ужгород;Івано-Франківськ;Тернопіль;Луцьк",
        streets: "вул. Садова;вул. Лісова;вул. Шкільна;вул. Центральна;вул. Молодіжна;\
            вул. Польова;вул. Зелена;вул. Квіткова;вул. Вишнева;вул. Набережна;вул. Соборна;\
            пров. Тихий;вул. Сонячна",
    },
    RegionData {
        key: "IL",
        calling_code: "972",
        prefixes: "50;52;53;54;55;58",
        national_len: 9,
        postcode: "#######",
        layout: "{s} {n}, {c} {p}",
        cities: "תל אביב-יפו;ירושלים;חיפה;באר שבע;נתניה;ראשון לציון;פתח תקווה;אשדוד",
        streets: "הגפן;הזית;הדקל;התאנה;הרימון;האלון;הברוש;השקד;שדרות ירושלים;דרך השלום;\
            רחוב הים",
    },
    RegionData {
        key: "EG",
        calling_code: "20",
        prefixes: "10;11;12;15",
        national_len: 10,
        postcode: "#####",
        layout: "{n} {s}، {c} {p}",
        cities: "القاهرة;الإسكندرية;الجيزة;أسوان;الأقصر;طنطا;المنصورة;بورسعيد",
        streets: ARABIC_STREETS,
    },
    RegionData {
        key: "SA",
        calling_code: "966",
        prefixes: "50;53;54;55;56;58;59",
        national_len: 9,
        postcode: "#####",
        layout: "{n} {s}، {c} {p}",
        cities: "الرياض;جدة;مكة المكرمة;المدينة المنورة;الدمام;الخبر",
        streets: ARABIC_STREETS,
    },
    RegionData {
        key: "AE",
        calling_code: "971",
        prefixes: "50;52;54;55;56;58",
        national_len: 9,
        postcode: "",
        layout: "{n} {s}، {c}",
        cities: "دبي;أبوظبي;الشارقة;العين;عجمان",
        streets: ARABIC_STREETS,
    },
    RegionData {
        key: "MA",
        calling_code: "212",
        prefixes: "6;7",
        national_len: 9,
        postcode: "#####",
        layout: "{n} {s}, {p} {c}",
        cities: "Casablanca;Rabat;Fès;Marrakech;Tanger;Agadir;Meknès;Oujda",
        streets: "Rue des Orangers;Rue des Oliviers;Avenue de la Liberté;\
            Boulevard de la Corniche;Rue du Souk;Rue Atlas;Avenue des Palmiers",
    },
    RegionData {
        key: "JO",
        calling_code: "962",
        prefixes: "77;78;79",
        national_len: 9,
        postcode: "#####",
        layout: "{n} {s}، {c} {p}",
        cities: "عمّان;إربد;الزرقاء;العقبة;السلط",
        streets: ARABIC_STREETS,
    },
    RegionData {
        key: "LB",
        calling_code: "961",
        prefixes: "70;71;76;78;79;81",
        national_len: 8,
        postcode: "#### ####",
        layout: "{n} {s}، {c} {p}",
        cities: "بيروت;طرابلس;صيدا;صور;جونية;زحلة",
        streets: ARABIC_STREETS,
    },
    RegionData {
        key: "IN",
        calling_code: "91",
        prefixes: "6;7;8;9",
        national_len: 10,
        postcode: "######",
        layout: "{n}, {s}, {c} {p}",
        cities: "Mumbai;Delhi;Bengaluru;Hyderabad;Ahmedabad;Chennai;Kolkata;Pune;Jaipur;Lucknow;\
            Kanpur;Nagpur;Indore;Bhopal;Patna;Varanasi;Coimbatore;Madurai",
        streets: "Station Road;Temple Street;Lake View Road;Church Street;Market Road;\
            Ring Road;Park Street;Hill Road;Civil Lines;Model Town;Green Park;Sadar Bazaar;\
            Shanti Nagar",
    },
    RegionData {
        key: "LK",
        calling_code: "94",
        prefixes: "70;71;72;74;75;76;77;78",
        national_len: 9,
        postcode: "#####",
        layout: "{n} {s}, {c} {p}",
        cities: "Colombo;Jaffna;Kandy;Galle;Trincomalee;Batticaloa;Negombo;Vavuniya",
        streets: "Galle Road;Temple Road;Station Road;Hospital Road;Beach Road;Kovil Street;\
            Lake Road;Main Street",
    },
    RegionData {
        key: "CN",
        calling_code: "86",
        prefixes: "130;131;132;133;135;136;137;138;139;150;151;152;155;158;159;176;177;180;\
            181;186;187;188;189;199",
        national_len: 11,
        postcode: "######",
        layout: "{p} {c}{s}{n}号",
        cities: "北京市;上海市;广州市;深圳市;成都市;杭州市;武汉市;西安市;南京市;重庆市;\
            天津市;苏州市;长沙市;郑州市;青岛市;昆明市",
        streets: "人民路;解放路;建设路;和平路;长江路;黄河路;青年路;文化路;新华路;胜利路;\
            花园路;东风路;光明街;幸福路",
    },
    RegionData {
        key: "TW",
        calling_code: "886",
        prefixes: "9",
        national_len: 9,
        postcode: "###",
        layout: "{p}{c}{s}{n}號",
        cities: "臺北市;新北市;臺中市;臺南市;高雄市;桃園市;新竹市;基隆市;嘉義市",
        streets: "民生路;和平東路;忠孝東路;仁愛路;信義路;建國路;光復路;民權路;成功路;自由路",
    },
    RegionData {
        key: "HK",
        calling_code: "852",
        prefixes: "5;6;9",
        national_len: 8,
        postcode: "",
        layout: "{n} {s}, {c}",
        cities: "Mong Kok;Sha Tin;Tsuen Wan;Causeway Bay;Wan Chai;Tseung Kwan O;Tuen Mun;\
            Sai Kung",
        streets: "Queen's Road East;Castle Peak Road;Tai Po Road;Shing Mun Road;Chatham Road;\
            Lung Cheung Road;Clear Water Bay Road;Po Kong Village Road",
    },
    RegionData {
        key: "SG",
        calling_code: "65",
        prefixes: "8;9",
        national_len: 8,
        postcode: "######",
        layout: "{n} {s}, {c} {p}",
        cities: "Singapore",
        streets: "Orchard Road;Bukit Timah Road;Tampines Avenue 5;Jurong West Street 41;\
            Ang Mo Kio Avenue 3;Yishun Ring Road;Bedok North Road;Toa Payoh Lorong 1;\
            Serangoon Avenue 2;Woodlands Drive 14",
    },
    RegionData {
        key: "JP",
        calling_code: "81",
        prefixes: "70;80;90",
        national_len: 10,
        postcode: "###-####",
        layout: "〒{p} {c}{s}{m}丁目{n}番",
        cities: "東京都渋谷区;東京都世田谷区;大阪府大阪市北区;神奈川県横浜市中区;\
            愛知県名古屋市中区;北海道札幌市中央区;福岡県福岡市博多区;京都府京都市左京区;\
            兵庫県神戸市中央区;宮城県仙台市青葉区;広島県広島市中区;沖縄県那覇市",
        streets: "桜丘町;本町;緑町;中央;栄町;旭町;若葉;大手町;松原;東町;南町;花園",
    },
    RegionData {
        key: "KR",
        calling_code: "82",
        prefixes: "10",
        national_len: 10,
        postcode: "#####",
        layout: "{c} {s} {n}, {p}",
        cities: "서울특별시 종로구;서울특별시 강남구;부산광역시 해운대구;인천광역시 남동구;\
            대구광역시 수성구;대전광역시 유성구;광주광역시 북구;울산광역시 남구;경기도 수원시;\
            경기도 성남시;제주특별자치도 제주시",
        streets: "한강대로;중앙로;평화로;문화로;대학로;은행나무길;시청로;해안로;산업로;꽃길;\
            새마을로;공원로",
    },
    RegionData {
        key: "VN",
        calling_code: "84",
        prefixes: "32;33;34;35;36;37;38;39;70;76;77;78;79;81;82;83;84;85;86;88;89;90;91;93;\
            94;96;97;98",
        national_len: 9,
        postcode: "######",
        layout: "{n} {s}, {c} {p}",
        cities: "Hà Nội;TP. Hồ Chí Minh;Đà Nẵng;Hải Phòng;Cần Thơ;Huế;Nha Trang;Đà Lạt;\
            Vũng Tàu;Quy Nhơn",
        streets: "Phố Hàng Bạc;Phố Hàng Gai;Phố Hàng Bông;Đường Hoa Sữa;Đường Bạch Đằng;\
            Đường Cầu Giấy;Đường Láng;Đường 3 Tháng 2;Đường Cách Mạng Tháng Tám;\
            Đường Điện Biên Phủ;Đường Hòa Bình;Đường Độc Lập",
    },
    RegionData {
        key: "TH",
        calling_code: "66",
        prefixes: "6;8;9",
        national_len: 9,
        postcode: "#####",
        layout: "{n} {s} {c} {p}",
        cities: "กรุงเทพมหานคร;เชียงใหม่;ขอนแก่น;ภูเก็ต;นครราชสีมา;หาดใหญ่;อุดรธานี;พิษณุโลก;\
            ชลบุรี;สุราษฎร์ธานี",
        streets: "ถนนสุขุมวิท;ถนนพหลโยธิน;ถนนเพชรบุรี;ถนนสีลม;ถนนรัชดาภิเษก;ซอยสุขใจ;\
            ถนนนิมมานเหมินท์;ถนนเจริญกรุง;ถนนมิตรภาพ",
    },
    RegionData {
        key: "NG",
        calling_code: "234",
        prefixes: "701;703;706;802;803;805;806;807;808;809;810;811;812;813;814;815;816;817;\
            818;902;903;905;906;907;908;909",
        national_len: 10,
        postcode: "######",
        layout: "{n} {s}, {c} {p}",
        cities: "Lagos;Ibadan;Abuja;Abeokuta;Ilorin;Osogbo;Akure;Ile-Ife;Ogbomoso;\
            Port Harcourt;Kano;Benin City",
        streets: "Broad Street;Market Road;Church Street;Hospital Road;Ring Road;Oke-Ado Road;\
            Olorunsogo Street;Oja Oba Road;Bodija Estate Road;Palace Way;Unity Road;Ajose Close",
    },
    RegionData {
        key: "KE",
        calling_code: "254",
        prefixes: "70;71;72;74;75;79;11;10",
        national_len: 9,
        postcode: "#####",
        layout: "{n} {s}, {c} {p}",
        cities: "Nairobi;Mombasa;Kisumu;Nakuru;Eldoret;Thika;Malindi;Kitale;Nyeri;Machakos;\
            Kericho;Garissa",
        streets: "Ngong Road;Mombasa Road;Langata Road;Biashara Street;Muthaiga Road;\
            Kilimani Lane;Riverside Drive;Forest Road;Parklands Road;Limuru Road;Thika Road",
    },
    RegionData {
        key: "TZ",
        calling_code: "255",
        prefixes: "61;62;65;67;68;69;71;74;75;76;77;78",
        national_len: 9,
        postcode: "#####",
        layout: "{n} {s}, {c} {p}",
        cities: "Dar es Salaam;Dodoma;Arusha;Mwanza;Mbeya;Morogoro;Tanga;Zanzibar;Moshi;Iringa",
        streets: "Mtaa wa Uhuru;Barabara ya Bagamoyo;Mtaa wa Jamhuri;Barabara ya Morogoro;\
            Mtaa wa Kariakoo;Mtaa wa Msimbazi;Mtaa wa Maktaba;Mtaa wa Mnazi Mmoja;\
            Barabara ya Pugu;Mtaa wa Sokoni",
    },
];
